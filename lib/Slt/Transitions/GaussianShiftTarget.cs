using Slt.Platform;
using Slt.Sampling;
using static TorchSharp.torch;

namespace Slt.Transitions;

/// <summary>
/// <see cref="GaussianShift"/> as a sampling target: the loss is L_q (the posterior at h = 0), variables w1, …, wd in
/// float64, many chains as one batched tensor, and at every draw the observables (L_q(w), L_{q'}(w)) are recorded
/// (<see cref="ChainGroup.DrawObservables"/>), from which <see cref="SusceptibilityEstimator"/> forms φ = L_q and
/// ΔL = L_{q'} − L_q. Sample it with <c>NBeta = </c><see cref="GaussianShift.NBeta"/> and
/// <c>Localization = </c><see cref="GaussianShift.Localization"/>.
/// </summary>
/// <param name="Case">The quadratic losses.</param>
public sealed record GaussianShiftTarget(GaussianShift Case) : ITemperedTarget
{
    /// <summary>n: only sets a default nβ, which a susceptibility run overrides with <see cref="GaussianShift.NBeta"/>.</summary>
    public long SampleSize => 1000;

    public IReadOnlyList<string> ParameterNames => Case.VariableNames;

    public int MaxChainsPerGroup => 1 << 20;

    public long DataSize => 0;

    public ChainGroup CreateGroup(int chains) => new Group(Case, chains);

    private sealed class Group : ChainGroup
    {
        private readonly GaussianShift _case;
        private readonly Tensor[] _w, _optimum;

        public Group(GaussianShift c, int chains) : base(chains)
        {
            _case = c;
            _w = c.Optimum.Select(v => full(chains, v, dtype: ScalarType.Float64).requires_grad_()).ToArray();
            _optimum = c.Optimum.Select(v => full(1, v, dtype: ScalarType.Float64)).ToArray();
        }

        public override bool HasChainDimension => true;
        public override IReadOnlyList<Tensor> Parameters => _w;
        public override IReadOnlyList<Tensor> Optimum => _optimum;
        public override Tensor Loss(Tensor? batch) => Quadratic(_w, _case.Curvature, _case.Centre);

        public override (Tensor Loss, Tensor[] Gradients)? LossAndGradient(Tensor? batch)
        {
            var w = _w.Select(t => t.detach()).ToArray();
            var gradients = w.Select((t, i) => (t - Scalars.Of(_case.Centre[i])) * Scalars.Of(_case.Curvature[i])).ToArray();
            return (Quadratic(w, _case.Curvature, _case.Centre), gradients);
        }

        public override bool HasDrawObservables => true;

        public override Tensor DrawObservables()
        {
            var w = _w.Select(t => t.detach()).ToArray();
            return stack([Quadratic(w, _case.Curvature, _case.Centre), Quadratic(w, _case.ShiftedCurvature, _case.ShiftedCentre)], 1);
        }

        private static Tensor Quadratic(IReadOnlyList<Tensor> w, IReadOnlyList<double> curvature, IReadOnlyList<double> centre)
        {
            Tensor? sum = null;
            for (int i = 0; i < w.Count; i++)
            {
                var term = (w[i] - Scalars.Of(centre[i])).Squared() * Scalars.Of(0.5 * curvature[i]);
                sum = sum is null ? term : sum.Plus(term);
            }
            return sum!;
        }

        protected override void Dispose(bool disposing)
        {
            if (!disposing) return;
            foreach (var t in _w.Concat(_optimum)) t.Dispose();
        }
    }
}
