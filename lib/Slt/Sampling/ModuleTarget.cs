using Slt.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Sampling;

/// <summary>
/// Any TorchSharp module as a sampling target: the module's own parameters are sampled in place (one chain per group,
/// chains one after another, each starting from w* = the weights the module had when the target was created), and the
/// module is restored to w* when a chain ends.
/// </summary>
/// <remarks>
/// <c>batchLoss</c> maps data-point indices (1-D int64) to the mean loss on those points (a scalar that
/// carries gradients), e.g. <c>idx =&gt; NextTokenLoss.Mean(model, sample.ToTensor(idx))</c>.
/// <c>evaluationLoss</c> is L_n on the fixed evaluation set; by default the mean over all data points,
/// evaluated in chunks of <c>evaluationChunk</c>.
/// </remarks>
public sealed class ModuleTarget : ITemperedTarget, IDisposable
{
    private readonly nn.Module _module;
    private readonly (string Name, TorchSharp.Modules.Parameter Value)[] _parameters;
    private readonly Tensor[] _optimum;
    private readonly Func<Tensor, Tensor> _batchLoss;
    private readonly Func<Tensor>? _evaluationLoss;
    private readonly int _evaluationChunk;

    /// <param name="module">The model; its current weights are w*.</param>
    /// <param name="dataSize">Number of data points indices refer to.</param>
    /// <param name="batchLoss">Mean loss on the given data points (scalar, differentiable).</param>
    /// <param name="sampleSize">n for the default nβ = n / log n; by default <paramref name="dataSize"/>.</param>
    /// <param name="evaluationLoss">L_n on the fixed evaluation set (scalar); default: the mean over all data points.</param>
    /// <param name="evaluationChunk">Points per forward pass when evaluating over all data.</param>
    public ModuleTarget(nn.Module module, long dataSize, Func<Tensor, Tensor> batchLoss, long? sampleSize = null,
        Func<Tensor>? evaluationLoss = null, int evaluationChunk = 512)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(batchLoss);
        if (dataSize <= 0) throw new ArgumentOutOfRangeException(nameof(dataSize), dataSize, "dataSize must be positive.");
        if (evaluationChunk <= 0) throw new ArgumentOutOfRangeException(nameof(evaluationChunk), evaluationChunk, "evaluationChunk must be positive.");
        _module = module;
        _parameters = module.named_parameters().Select(p => (p.name, p.parameter)).ToArray();
        _optimum = _parameters.Select(p => p.Value.detach().clone()).ToArray();
        _batchLoss = batchLoss;
        _evaluationLoss = evaluationLoss;
        _evaluationChunk = evaluationChunk;
        DataSize = dataSize;
        SampleSize = sampleSize ?? dataSize;
    }

    public long SampleSize { get; }

    public IReadOnlyList<string> ParameterNames => _parameters.Select(p => p.Name).ToArray();

    public int MaxChainsPerGroup => 1;

    public long DataSize { get; }

    public ChainGroup CreateGroup(int chains)
    {
        if (chains != 1) throw new ArgumentOutOfRangeException(nameof(chains), chains, "A module target runs one chain per group.");
        return new Group(this);
    }

    public void Dispose()
    {
        foreach (var t in _optimum) t.Dispose();
    }

    private void Restore()
    {
        using var noGrad = no_grad();
        for (int i = 0; i < _parameters.Length; i++) _parameters[i].Value.copy_(_optimum[i]);
    }

    private sealed class Group : ChainGroup
    {
        private readonly ModuleTarget _t;

        public Group(ModuleTarget target) : base(1)
        {
            _t = target;
            _t.Restore();
        }

        public override bool HasChainDimension => false;
        public override IReadOnlyList<Tensor> Parameters => _t._parameters.Select(p => (Tensor)p.Value).ToArray();
        public override IReadOnlyList<Tensor> Optimum => _t._optimum;

        public override Tensor Loss(Tensor? batch)
        {
            if (batch is not null) return _t._batchLoss(batch).reshape(1);
            return AllData();
        }

        public override Tensor EvaluationLoss() => _t._evaluationLoss is { } f ? f().reshape(1) : AllData();

        private Tensor AllData()
        {
            Tensor? total = null;
            for (long first = 0; first < _t.DataSize; first += _t._evaluationChunk)
            {
                long count = Math.Min(_t._evaluationChunk, _t.DataSize - first);
                var part = _t._batchLoss(arange(first, first + count, dtype: int64)) * Scalars.Of(count / (double)_t.DataSize);
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
