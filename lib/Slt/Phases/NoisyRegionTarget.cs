using Slt.Platform;
using Slt.Sampling;
using static TorchSharp.torch;

namespace Slt.Phases;

/// <summary>
/// One region of <see cref="NoisyRegionModel"/> given the data mean ȳ, as a sampling target on the box [−1, 1]²:
/// L̃(w) = ½(|ȳ − g(w)|² − |ȳ|²) − ℓ, where ℓ is the region's smallest value of ½(|ȳ − g|² − |ȳ|²) (so L̃ ≥ 0 with minimum 0,
/// as thermodynamic integration's bounds expect). Then F_region(n) = −log π + n ℓ + F̃(n), F̃ the free energy of L̃.
/// Gradients are written out: simple, h = ȳ₁ + δ + (w₁w₂)², ∂L/∂w₁ = 2h w₁w₂², ∂L/∂w₂ = 2h w₂w₁²; complex, ∂L/∂w_i = w_i − ȳ_i.
/// </summary>
/// <param name="Model">The model.</param>
/// <param name="Simple">The simple region (else the complex one).</param>
/// <param name="Mean1">ȳ₁.</param>
/// <param name="Mean2">ȳ₂.</param>
/// <param name="SampleSize">n.</param>
public sealed record NoisyRegionTarget(NoisyRegionModel Model, bool Simple, double Mean1, double Mean2, long SampleSize) : ITemperedTarget
{
    /// <summary>ℓ, the region's lowest value of ½(|ȳ − g(w)|² − |ȳ|²) over the box.</summary>
    public double LowestLoss
    {
        get
        {
            if (!Simple)
            {
                double c1 = Math.Clamp(Mean1, -1, 1), c2 = Math.Clamp(Mean2, -1, 1);
                return 0.5 * ((Mean1 - c1) * (Mean1 - c1) + (Mean2 - c2) * (Mean2 - c2) - Mean1 * Mean1 - Mean2 * Mean2);
            }
            // h = ȳ₁ + δ + u ranges over [h₀, h₀ + 1] as u = (w₁w₂)² ranges over [0, 1].
            double h0 = Mean1 + Model.Delta;
            double smallest = h0 >= 0 ? h0 * h0 : h0 + 1 >= 0 ? 0 : (h0 + 1) * (h0 + 1);
            return 0.5 * (smallest - Mean1 * Mean1);
        }
    }

    public IReadOnlyList<string> ParameterNames => ["w1", "w2"];

    public int MaxChainsPerGroup => 1 << 24;

    public long DataSize => 0;

    public ChainGroup CreateGroup(int chains) => new Group(this, chains);

    private sealed class Group : ChainGroup
    {
        private readonly NoisyRegionTarget _t;
        private readonly Tensor[] _w;
        private readonly Tensor[] _optimum;

        public Group(NoisyRegionTarget target, int chains) : base(chains)
        {
            _t = target;
            _w = [zeros(chains, dtype: ScalarType.Float64).requires_grad_(), zeros(chains, dtype: ScalarType.Float64).requires_grad_()];
            _optimum = [zeros(1, dtype: ScalarType.Float64), zeros(1, dtype: ScalarType.Float64)];
        }

        public override bool HasChainDimension => true;
        public override IReadOnlyList<Tensor> Parameters => _w;
        public override IReadOnlyList<Tensor> Optimum => _optimum;

        public override Tensor Loss(Tensor? batch) => Evaluate(_w[0], _w[1]);

        public override (Tensor Loss, Tensor[] Gradients)? LossAndGradient(Tensor? batch)
        {
            var w1 = _w[0].detach();
            var w2 = _w[1].detach();
            if (_t.Simple)
            {
                // h, and the squares it is made of, once: the loss is ½h² + const, the gradient 2h (w₁w₂², w₂w₁²).
                var a = w1.Squared();
                var b = w2.Squared();
                var h = (a * b).Plus(_t.Mean1 + _t.Model.Delta);
                var twoH = h * Scalars.Of(2.0);
                return (SimpleLoss(h), [twoH * w1 * b, twoH * w2 * a]);
            }
            return (Evaluate(w1, w2), [w1.Plus(-_t.Mean1), w2.Plus(-_t.Mean2)]);
        }

        private Tensor SimpleLoss(Tensor h) => (h.Squared() * Scalars.Of(0.5)).Plus(-0.5 * _t.Mean1 * _t.Mean1 - _t.LowestLoss);

        private Tensor Evaluate(Tensor w1, Tensor w2)
        {
            if (_t.Simple) return SimpleLoss((w1.Squared() * w2.Squared()).Plus(_t.Mean1 + _t.Model.Delta));
            double y1 = _t.Mean1, y2 = _t.Mean2;
            var d = w1.Plus(-y1).Squared().Plus(w2.Plus(-y2).Squared());
            return (d * Scalars.Of(0.5)).Plus(-0.5 * (y1 * y1 + y2 * y2) - _t.LowestLoss);
        }

        protected override void Dispose(bool disposing)
        {
            if (!disposing) return;
            foreach (var t in _w.Concat(_optimum)) t.Dispose();
        }
    }
}
