using Slt.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Sampling;

/// <summary>
/// Any TorchSharp module as a sampling target: the module's own parameters are sampled in place (one chain per group,
/// each starting from w* = the weights the module had when the target was created), and the module is restored to w*
/// when a chain ends. With a <c>replicate</c> factory, further copies of the module run other chain groups at the same
/// time (<see cref="ITemperedTarget.ConcurrentGroups"/>).
/// </summary>
/// <remarks>
/// <para>The loss is given either as <c>batchLoss</c>, mapping data-point indices (1-D int64) to the mean loss on those
/// points (a differentiable scalar), or per point (<see cref="PerPoint"/>): <c>pointLosses</c> maps indices to the
/// loss ℓ_i(w) of each point, shape [B], and L(w) is their mean. Per-point losses let the sampler read the excess
/// L_n(w) − L_n(w*) off every mini-batch it already evaluates, as mean_{i∈B} (ℓ_i(w) − ℓ_i(w*)) with ℓ_i(w*) computed
/// once: an unbiased estimate whose noise is that of the excess only, not of the losses themselves
/// (<see cref="DrawLoss.MiniBatchExcess"/>).</para>
/// <para><c>evaluationLoss</c> is L_n on the fixed evaluation set; by default the mean over all data points, evaluated
/// in chunks of <c>evaluationChunk</c>.</para>
/// </remarks>
public sealed class ModuleTarget : ITemperedTarget, IDisposable
{
    private readonly nn.Module _module;
    private readonly (string Name, TorchSharp.Modules.Parameter Value)[] _parameters;
    private readonly Tensor[] _optimum;
    private readonly Func<Tensor, Tensor> _batchLoss;
    private readonly Func<Tensor, Tensor>? _pointLosses;
    private readonly Func<Tensor>? _evaluationLoss;
    private readonly Func<ModuleTarget>? _replicate;
    private readonly int _evaluationChunk;
    private readonly List<ModuleTarget> _replicas = [];
    private readonly object _gate = new();
    private Tensor? _pointBaseline;

    /// <param name="module">The model; its current weights are w*.</param>
    /// <param name="dataSize">Number of data points indices refer to.</param>
    /// <param name="batchLoss">Mean loss on the given data points (scalar, differentiable).</param>
    /// <param name="sampleSize">n for the default nβ = n / log n; by default <paramref name="dataSize"/>.</param>
    /// <param name="evaluationLoss">L_n on the fixed evaluation set (scalar); default: the mean over all data points.</param>
    /// <param name="evaluationChunk">Points per forward pass when evaluating over all data.</param>
    public ModuleTarget(nn.Module module, long dataSize, Func<Tensor, Tensor> batchLoss, long? sampleSize = null,
        Func<Tensor>? evaluationLoss = null, int evaluationChunk = 512)
        : this(module, dataSize, batchLoss, null, sampleSize, evaluationLoss, evaluationChunk, null)
    {
    }

    private ModuleTarget(nn.Module module, long dataSize, Func<Tensor, Tensor> batchLoss, Func<Tensor, Tensor>? pointLosses,
        long? sampleSize, Func<Tensor>? evaluationLoss, int evaluationChunk, Func<ModuleTarget>? replicate)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(batchLoss);
        if (dataSize <= 0) throw new ArgumentOutOfRangeException(nameof(dataSize), dataSize, "dataSize must be positive.");
        if (evaluationChunk <= 0) throw new ArgumentOutOfRangeException(nameof(evaluationChunk), evaluationChunk, "evaluationChunk must be positive.");
        _module = module;
        _parameters = module.named_parameters().Select(p => (p.name, p.parameter)).ToArray();
        if (_parameters.Length == 0) throw new ArgumentException("The module has no parameters to sample.", nameof(module));
        var frozen = _parameters.Where(p => !p.Value.requires_grad).Select(p => p.Name).ToArray();
        if (frozen.Length > 0)
            throw new ArgumentException(
                $"{frozen.Length} parameter(s) of the module do not require gradients ({string.Join(", ", frozen.Take(4))}{(frozen.Length > 4 ? ", …" : "")}): " +
                "the sampler moves every parameter of the module (restrict with SgldSettings.SampledParameters), so set requires_grad = true first.", nameof(module));
        _optimum = _parameters.Select(p => p.Value.detach().clone()).ToArray();
        _batchLoss = batchLoss;
        _pointLosses = pointLosses;
        _evaluationLoss = evaluationLoss;
        _evaluationChunk = evaluationChunk;
        _replicate = replicate;
        DataSize = dataSize;
        SampleSize = sampleSize ?? dataSize;
    }

    /// <summary>
    /// A target whose loss is the mean of per-point losses ℓ_i(w) (<paramref name="pointLosses"/>: indices → [B]),
    /// so that the sampler can record the mini-batch excess over w* (<see cref="DrawLoss.MiniBatchExcess"/>).
    /// </summary>
    /// <param name="module">The model; its current weights are w*.</param>
    /// <param name="dataSize">Number of data points.</param>
    /// <param name="pointLosses">ℓ_i(w) for the given indices, shape [B], differentiable.</param>
    /// <param name="sampleSize">n for the default nβ = n / log n; by default <paramref name="dataSize"/>.</param>
    /// <param name="evaluationLoss">L_n on a fixed evaluation set; default the mean over all points.</param>
    /// <param name="replicate">Builds the same target around a new module of the same architecture (any weights: they are
    /// set to w*), so that chain groups can run in parallel; null: one group at a time.</param>
    /// <param name="evaluationChunk">Points per forward pass when evaluating over all data.</param>
    public static ModuleTarget PerPoint(nn.Module module, long dataSize, Func<Tensor, Tensor> pointLosses, long? sampleSize = null,
        Func<Tensor>? evaluationLoss = null, Func<ModuleTarget>? replicate = null, int evaluationChunk = 512)
    {
        ArgumentNullException.ThrowIfNull(pointLosses);
        return new ModuleTarget(module, dataSize, idx => pointLosses(idx).mean(), pointLosses, sampleSize, evaluationLoss,
            evaluationChunk, replicate);
    }

    public long SampleSize { get; }

    public IReadOnlyList<string> ParameterNames => _parameters.Select(p => p.Name).ToArray();

    public int MaxChainsPerGroup => 1;

    /// <summary>Unbounded with a replicate factory (each group runs on its own copy of the module), else 1.</summary>
    public int ConcurrentGroups => _replicate is null ? 1 : int.MaxValue;

    public long DataSize { get; }

    /// <summary>True when the loss is given per point (<see cref="PerPoint"/>).</summary>
    public bool HasPointLosses => _pointLosses is not null;

    public ChainGroup CreateGroup(int chains) => CreateGroup(chains, 0);

    public ChainGroup CreateGroup(int chains, int slot)
    {
        if (chains != 1) throw new ArgumentOutOfRangeException(nameof(chains), chains, "A module target runs one chain per group.");
        if (slot == 0) return new Group(this);
        if (slot < 0 || _replicate is null)
            throw new ArgumentOutOfRangeException(nameof(slot), slot, "This target runs one group at a time (slot 0): it has no replicate factory.");
        return new Group(Replica(slot - 1));
    }

    private ModuleTarget Replica(int index)
    {
        lock (_gate)
        {
            while (_replicas.Count <= index)
            {
                // The replica lives as long as this target: the sampler creates groups outside its own dispose scopes.
                var replica = _replicate!();
                if (replica._parameters.Length != _parameters.Length
                    || replica._parameters.Zip(_parameters).Any(z => z.First.Name != z.Second.Name || !z.First.Value.shape.SequenceEqual(z.Second.Value.shape)))
                    throw new InvalidOperationException("The replicate factory built a module whose parameters differ in name or shape from the original's.");
                using (no_grad())
                    for (int i = 0; i < _optimum.Length; i++) replica._optimum[i].copy_(_optimum[i]);
                replica.Restore();
                _replicas.Add(replica);
            }
            return _replicas[index];
        }
    }

    public void Dispose()
    {
        foreach (var t in _optimum) t.Dispose();
        _pointBaseline?.Dispose();
        foreach (var r in _replicas)
        {
            r.Dispose();
            r._module.Dispose();
        }
    }

    private void Restore()
    {
        using var noGrad = no_grad();
        for (int i = 0; i < _parameters.Length; i++) _parameters[i].Value.copy_(_optimum[i]);
    }

    /// <summary>ℓ_i(w*) of every data point, computed once (the module is at w* whenever a group is created).</summary>
    private Tensor PointBaseline()
    {
        if (_pointBaseline is not null) return _pointBaseline;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        _pointBaseline = cat(Chunks().Select(idx => _pointLosses!(idx).detach()).ToArray(), 0).DetachFromDisposeScope();
        return _pointBaseline;
    }

    /// <summary>All data-point indices in consecutive chunks of at most <c>evaluationChunk</c>, on w*'s device.</summary>
    private IEnumerable<Tensor> Chunks()
    {
        for (long first = 0; first < DataSize; first += _evaluationChunk)
            yield return arange(first, Math.Min(first + _evaluationChunk, DataSize), dtype: int64, device: _optimum[0].device);
    }

    private sealed class Group : ChainGroup
    {
        private readonly ModuleTarget _t;

        public Group(ModuleTarget target) : base(1)
        {
            _t = target;
            _t.Restore();
            if (_t._pointLosses is not null) _t.PointBaseline();
        }

        public override bool HasChainDimension => false;
        public override IReadOnlyList<Tensor> Parameters => _t._parameters.Select(p => (Tensor)p.Value).ToArray();
        public override IReadOnlyList<Tensor> Optimum => _t._optimum;

        public override Tensor Loss(Tensor? batch)
        {
            if (batch is not null) return _t._batchLoss(batch).reshape(1);
            return AllData();
        }

        public override bool HasBatchExcess => _t._pointLosses is not null;

        public override (Tensor Loss, Tensor? Excess) LossAndExcess(Tensor? batch)
        {
            if (_t._pointLosses is null) return (Loss(batch), null);
            if (batch is null)
            {
                var all = AllData();
                return (all, all.detach() - _t.PointBaseline().mean());
            }
            var points = _t._pointLosses(batch);
            var excess = (points.detach() - _t.PointBaseline().index(batch)).mean().reshape(1);
            return (points.mean().reshape(1), excess);
        }

        public override Tensor EvaluationLoss() => _t._evaluationLoss is { } f ? f().reshape(1) : AllData();

        public override Tensor FullDataLoss() => AllData();

        private Tensor AllData()
        {
            Tensor? total = null;
            foreach (var idx in _t.Chunks())
            {
                var part = _t._batchLoss(idx) * Scalars.Of(idx.shape[0] / (double)_t.DataSize);
                total = total is null ? part : total.Plus(part);
            }
            return total!.reshape(1);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _t.Restore();
        }
    }
}
