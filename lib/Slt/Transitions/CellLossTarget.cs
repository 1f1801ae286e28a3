using Slt.Losses;
using Slt.Model;
using Slt.Sampling;
using Slt.Truth;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Transitions;

/// <summary>
/// The transformer's training loss as a sampling target (<see cref="NextTokenTarget.Create"/>: n = N windows, per-window
/// losses, mini-batches) that also records, at every draw, the cell losses M_{f,l}(w): the mean over the n_f windows of
/// family f of −log p(t_{l+1} | t_1..t_l, w), for every family f and input length l, on the whole sample (one forward
/// pass), flattened f-major as [1, F·(C − 1)]. Every <see cref="DataShift"/>'s L_{q'} and L_q = L_n are linear in them.
/// </summary>
/// <remarks>Chains run in parallel on copies of the model made here (one per worker slot), each set to w*.</remarks>
public sealed class CellLossTarget : ITemperedTarget, IDisposable
{
    private readonly Transformer _model;
    private readonly WindowSample _sample;
    private readonly Tensor _windows, _average;
    private readonly Tensor[] _optimum;
    private readonly List<(Transformer Model, ModuleTarget Target)> _slots = [];
    private readonly object _gate = new();

    /// <param name="model">The model; its current weights are w* (left as they are after each run).</param>
    /// <param name="partition">The whole sample (n windows, the loss's data) split by family.</param>
    public CellLossTarget(Transformer model, FamilyPartition partition)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(partition);
        _model = model;
        _sample = partition.Sample;
        var device = model.parameters().First().device;
        _windows = _sample.ToTensor().to(device);
        int families = partition.FamilyNames.Count;
        var average = new double[families * _sample.Count];
        for (int f = 0; f < families; f++)
            foreach (int i in partition.WindowsOf(f)) average[f * _sample.Count + i] = 1.0 / partition.CountOf(f);
        _average = tensor(average, [families, _sample.Count], dtype: ScalarType.Float64, device: device);
        _optimum = model.parameters().Select(p => p.detach().clone()).ToArray();
        _slots.Add((model, NextTokenTarget.Create(model, _sample, replicate: null)));
    }

    /// <summary>Cells per draw: F·(C − 1), family-major (cell f·(C − 1) + l − 1 is family f at input length l).</summary>
    public int Cells => (int)_average.shape[0] * (_sample.ContextLength - 1);

    public long SampleSize => _slots[0].Target.SampleSize;
    public IReadOnlyList<string> ParameterNames => _slots[0].Target.ParameterNames;
    public int MaxChainsPerGroup => 1;
    public long DataSize => _slots[0].Target.DataSize;
    public int ConcurrentGroups => int.MaxValue;

    public ChainGroup CreateGroup(int chains) => CreateGroup(chains, 0);

    public ChainGroup CreateGroup(int chains, int slot)
    {
        if (slot < 0) throw new ArgumentOutOfRangeException(nameof(slot), slot, "slot must be ≥ 0.");
        var (model, target) = Slot(slot);
        return new Group(target.CreateGroup(chains, 0), model, this);
    }

    private (Transformer Model, ModuleTarget Target) Slot(int slot)
    {
        lock (_gate)
        {
            while (_slots.Count <= slot)
            {
                var copy = _model.SameArchitecture();
                using (no_grad())
                    foreach (var (p, w) in copy.parameters().Zip(_optimum)) p.copy_(w);
                _slots.Add((copy, NextTokenTarget.Create(copy, _sample, replicate: null)));
            }
            return _slots[slot];
        }
    }

    /// <summary>M_{f,l}(w) of <paramref name="model"/>, [1, F·(C − 1)], float64.</summary>
    private Tensor CellLosses(Transformer model) =>
        _average.matmul(NextTokenLoss.PerPair(model, _windows).to_type(ScalarType.Float64)).reshape(1, -1);

    public void Dispose()
    {
        foreach (var (model, target) in _slots)
        {
            target.Dispose();
            if (!ReferenceEquals(model, _model)) model.Dispose();
        }
        foreach (var t in _optimum) t.Dispose();
        _windows.Dispose();
        _average.Dispose();
    }

    private sealed class Group(ChainGroup inner, Transformer model, CellLossTarget owner) : ChainGroup(inner.Chains)
    {
        public override bool HasChainDimension => inner.HasChainDimension;
        public override IReadOnlyList<Tensor> Parameters => inner.Parameters;
        public override IReadOnlyList<Tensor> Optimum => inner.Optimum;
        public override Tensor Loss(Tensor? batch) => inner.Loss(batch);
        public override (Tensor Loss, Tensor[] Gradients)? LossAndGradient(Tensor? batch) => inner.LossAndGradient(batch);
        public override bool HasBatchExcess => inner.HasBatchExcess;
        public override (Tensor Loss, Tensor? Excess) LossAndExcess(Tensor? batch) => inner.LossAndExcess(batch);
        public override Tensor FullDataLoss() => inner.FullDataLoss();
        public override Tensor EvaluationLoss() => inner.EvaluationLoss();
        public override Tensor? PointwiseLoss() => inner.PointwiseLoss();
        public override bool HasDrawObservables => true;
        public override Tensor DrawObservables() => owner.CellLosses(model);

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
        }
    }
}
