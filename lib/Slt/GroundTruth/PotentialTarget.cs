using Slt.Platform;
using Slt.Sampling;
using static TorchSharp.torch;

namespace Slt.GroundTruth;

/// <summary>
/// A potential as a sampling target: L(w) = K(w) with parameters w1, …, wd (one scalar per chain each, so many chains
/// form one batched tensor), w* = 0. Sampling it with nβ = t and the box [−1, 1] draws from p_t ∝ e^{−tK}.
/// </summary>
/// <param name="Potential">K.</param>
/// <param name="SampleSize">n, which only sets the default nβ = n / log n (WBIC, free energy); LLC runs set nβ = t.</param>
public sealed record PotentialTarget(NormalCrossingPotential Potential, long SampleSize = 1000) : ITemperedTarget
{
    /// <summary>Where the chains' tensors live; null (default): the CPU. <c>TorchRuntime.Device</c> follows <c>SLT_DEVICE</c>.</summary>
    public Device? Device { get; init; }

    public IReadOnlyList<string> ParameterNames => Potential.VariableNames;

    public int MaxChainsPerGroup => 1 << 24;

    public long DataSize => 0;

    /// <summary>w* = 0 is a zero of K: a true parameter.</summary>
    public OptimumKind OptimumKind => OptimumKind.TrueParameter;

    public ChainGroup CreateGroup(int chains) => new Group(Potential, chains, Device);

    private sealed class Group : ChainGroup
    {
        private readonly NormalCrossingPotential _potential;
        private readonly Tensor[] _w;
        private readonly Tensor[] _optimum;

        public Group(NormalCrossingPotential potential, int chains, Device? device) : base(chains)
        {
            _potential = potential;
            _w = Enumerable.Range(0, potential.Dimension).Select(_ => zeros(chains, dtype: ScalarType.Float64, device: device).requires_grad_()).ToArray();
            _optimum = Enumerable.Range(0, potential.Dimension).Select(_ => zeros(1, dtype: ScalarType.Float64, device: device)).ToArray();
        }

        public override bool HasChainDimension => true;
        public override IReadOnlyList<Tensor> Parameters => _w;
        public override IReadOnlyList<Tensor> Optimum => _optimum;
        public override Tensor Loss(Tensor? batch) => _potential.Evaluate(_w);

        // ∂K/∂w_i = Σ_j 2k_ij w_i^{2k_ij − 1} Π_{l≠i} w_l^{2k_lj}.
        public override (Tensor Loss, Tensor[] Gradients)? LossAndGradient(Tensor? batch)
        {
            var w = _w.Select(t => t.detach()).ToArray();
            var square = w.Select(t => t.Squared()).ToArray();
            Tensor? loss = null;
            var grads = new Tensor?[w.Length];
            foreach (var term in _potential.Exponents)
            {
                var factors = new Tensor?[w.Length];
                for (int i = 0; i < w.Length; i++)
                    if (term[i] > 0) factors[i] = term[i] == 1 ? square[i] : square[i].pow(Scalars.Of((long)term[i]));
                Tensor? product = null;
                foreach (var f in factors) if (f is not null) product = product is null ? f : product * f;
                loss = loss is null ? product! : loss.Plus(product!);
                for (int i = 0; i < w.Length; i++)
                {
                    if (term[i] == 0) continue;
                    Tensor? others = null;
                    for (int l = 0; l < w.Length; l++)
                        if (l != i && factors[l] is not null) others = others is null ? factors[l]! : others * factors[l]!;
                    var own = term[i] == 1 ? w[i] * Scalars.Of(2.0) : square[i].pow(Scalars.Of((long)term[i] - 1)) * w[i] * Scalars.Of(2.0 * term[i]);
                    var g = others is null ? own : own * others;
                    grads[i] = grads[i] is null ? g : grads[i]!.Plus(g);
                }
            }
            return (loss!, grads.Select((g, i) => g ?? zeros_like(w[i])).ToArray());
        }

        protected override void Dispose(bool disposing)
        {
            if (!disposing) return;
            foreach (var t in _w.Concat(_optimum)) t.Dispose();
        }
    }
}
