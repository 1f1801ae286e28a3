using Slt.Platform;
using Slt.Sampling;
using static TorchSharp.torch;

namespace Slt.GroundTruth;

/// <summary>
/// Bayesian linear regression y = xᵀθ + σξ (x ∼ N(0, I_d), ξ ∼ N(0, 1), σ known) with the prior θ ∼ N(0, α⁻¹ I_d): a
/// learning machine with sampling noise whose evidence is known in closed form for every data set, so thermodynamic
/// integration and WBIC can be checked on data, not only on data-free potentials.
/// </summary>
/// <remarks>
/// With S_xx = Σ x xᵀ, S_xy = Σ x y, S_yy = Σ y² and, at inverse temperature β, the Gaussian tempered posterior
/// N(m_β, A_β⁻¹), A_β = αI + (β/σ²) S_xx, m_β = A_β⁻¹ (β/σ²) S_xy:
/// <list type="bullet">
/// <item>n L_n(θ) = (n/2) log 2πσ² + RSS(θ)/(2σ²), RSS(θ) = S_yy − 2θᵀS_xy + θᵀS_xx θ;</item>
/// <item>E^β[n L_n] = (n/2) log 2πσ² + (RSS(m_β) + tr(S_xx A_β⁻¹))/(2σ²);</item>
/// <item>F_n = −log ∫ φ e^{−nL_n} = (n/2) log 2πσ² + RSS(m₁)/(2σ²) + (α/2)‖m₁‖² + ½ log det A₁ − (d/2) log α,
/// which equals ∫₀¹ E^β[n L_n] dβ;</item>
/// <item>WBIC = E^{1/log n}[n L_n] (Watanabe 2013).</item>
/// </list>
/// As a sampling target the parameter is "theta" (one d-vector per chain, many chains batched) with w* = 0, the prior mean:
/// sampled with <see cref="SgldSettings.Localization"/> γ = α and no box, p_β(θ) ∝ e^{−nβ L_n(θ) − (α/2)‖θ‖²} is exactly the
/// tempered posterior under this prior (<see cref="PriorSettings"/>). w* = 0 is not a minimum of L_n: this target is for free
/// energies, not for the local learning coefficient.
/// </remarks>
public sealed class BayesianLinearRegression : ITemperedTarget, IDisposable
{
    private readonly Tensor _x, _y, _sxx, _sxy, _optimum;
    private readonly double _syy;

    /// <summary>Draws θ₀ ∼ N(0, I_d) and n data points from the seed.</summary>
    /// <param name="dimension">d, the number of coefficients (1..100).</param>
    /// <param name="n">Sample size (d + 1 .. 5e6).</param>
    /// <param name="alpha">Prior precision α &gt; 0.</param>
    /// <param name="noise">Noise standard deviation σ &gt; 0 (known to the model).</param>
    /// <param name="seed">Seed of θ₀ and the data.</param>
    public BayesianLinearRegression(int dimension, long n, double alpha = 1, double noise = 1, long seed = 0)
    {
        if (dimension is < 1 or > 100) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "dimension must lie in 1..100.");
        if (n <= dimension || n > 5_000_000) throw new ArgumentOutOfRangeException(nameof(n), n, $"n must lie in {dimension + 1}..5e6.");
        if (!(alpha > 0) || !double.IsFinite(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "The prior precision α must be positive and finite.");
        if (!(noise > 0) || !double.IsFinite(noise)) throw new ArgumentOutOfRangeException(nameof(noise), noise, "The noise σ must be positive and finite.");
        Dimension = dimension;
        SampleSize = n;
        Alpha = alpha;
        Noise = noise;
        var gen = new Generator((ulong)seed + 424242UL);
        TrueCoefficients = randn(dimension, dtype: float64, generator: gen);
        _x = randn(n, dimension, dtype: float64, generator: gen);
        _y = _x.matmul(TrueCoefficients) + randn(n, dtype: float64, generator: gen) * Scalars.Of(noise);
        _sxx = _x.t().matmul(_x);
        _sxy = _x.t().matmul(_y);
        _syy = _y.Squared().sum().item<double>();
        _optimum = zeros(dimension, dtype: float64);
    }

    /// <summary>d.</summary>
    public int Dimension { get; }

    /// <summary>Prior precision α.</summary>
    public double Alpha { get; }

    /// <summary>Noise standard deviation σ.</summary>
    public double Noise { get; }

    /// <summary>Inputs x (n × d).</summary>
    public Tensor Inputs => _x;

    /// <summary>Outputs y (n).</summary>
    public Tensor Outputs => _y;

    /// <summary>θ₀, the coefficients the data were drawn with.</summary>
    public Tensor TrueCoefficients { get; }

    public long SampleSize { get; }

    public IReadOnlyList<string> ParameterNames => ["theta"];

    public int MaxChainsPerGroup => 4096;

    public long DataSize => SampleSize;

    /// <summary>Most data points <see cref="ChainGroup.PointwiseLoss"/> evaluates (the first ones; the data are i.i.d.).</summary>
    public const int PointwiseSubset = 10_000;

    private double HalfLogTwoPiSigmaSquared => 0.5 * Math.Log(2 * Math.PI * Noise * Noise);

    /// <summary>Exact E^β[n L_n] under the tempered posterior ∝ φ(θ) e^{−nβ L_n(θ)}, for β ∈ [0, 1] (β = 0: the prior mean of n L_n).</summary>
    public double ExpectedEnergy(double beta)
    {
        if (beta is < 0 or > 1 || double.IsNaN(beta)) throw new ArgumentOutOfRangeException(nameof(beta), beta, "β must lie in [0, 1].");
        using var scope = NewDisposeScope();
        var (a, m) = Posterior(beta);
        double trace = linalg.solve(a, _sxx).trace().item<double>();
        return SampleSize * HalfLogTwoPiSigmaSquared + (Rss(m) + trace) / (2 * Noise * Noise);
    }

    /// <summary>Exact free energy F_n = −log Z_n (closed form; see the remarks).</summary>
    public double FreeEnergy()
    {
        using var scope = NewDisposeScope();
        var (a, m) = Posterior(1);
        var (_, logAbsDet) = linalg.slogdet(a);
        double logDet = logAbsDet.item<double>();
        double norm = m.Squared().sum().item<double>();
        return SampleSize * HalfLogTwoPiSigmaSquared + Rss(m) / (2 * Noise * Noise) + Alpha / 2 * norm + 0.5 * logDet
               - Dimension / 2.0 * Math.Log(Alpha);
    }

    /// <summary>Exact WBIC = E^{1/log n}[n L_n].</summary>
    public double Wbic() => ExpectedEnergy(1 / Math.Log(SampleSize));

    /// <summary>Sampler settings whose localization is this prior (γ = α around w* = 0, no box), full batch, chains at 0.</summary>
    public SgldSettings PriorSettings(double stepSize, int chains = 64, long seed = 1) => new()
    {
        StepSize = stepSize, Localization = Alpha, Chains = chains, BurnIn = 2000, Draws = 100, StepsBetweenDraws = 20, Seed = seed,
    };

    public ChainGroup CreateGroup(int chains) => new Group(this, chains);

    public void Dispose()
    {
        foreach (var t in new[] { _x, _y, _sxx, _sxy, _optimum, TrueCoefficients }) t.Dispose();
    }

    private (Tensor A, Tensor M) Posterior(double beta)
    {
        double scale = beta / (Noise * Noise);
        var a = eye(Dimension, dtype: float64) * Scalars.Of(Alpha) + _sxx * Scalars.Of(scale);
        var m = linalg.solve(a, _sxy * Scalars.Of(scale));
        return (a, m);
    }

    private double Rss(Tensor theta) =>
        _syy - 2 * theta.dot(_sxy).item<double>() + theta.dot(_sxx.matmul(theta)).item<double>();

    private sealed class Group : ChainGroup
    {
        private readonly BayesianLinearRegression _t;
        private readonly Tensor _theta;

        public Group(BayesianLinearRegression target, int chains) : base(chains)
        {
            _t = target;
            _theta = zeros(chains, target.Dimension, dtype: float64).requires_grad_();
        }

        public override bool HasChainDimension => true;
        public override IReadOnlyList<Tensor> Parameters => [_theta];
        public override IReadOnlyList<Tensor> Optimum => [_t._optimum];

        private double InverseTwoSigmaSquared => 1 / (2 * _t.Noise * _t.Noise);

        public override Tensor Loss(Tensor? batch)
        {
            if (batch is null)
            {
                var rss = (_theta.matmul(_t._sxx) * _theta).sum(1) - _theta.matmul(_t._sxy) * Scalars.Of(2.0);
                return (rss.Plus(_t._syy) * Scalars.Of(InverseTwoSigmaSquared / _t.SampleSize)).Plus(_t.HalfLogTwoPiSigmaSquared);
            }
            var residual = _t._y.index(batch).unsqueeze(0) - _theta.matmul(_t._x.index(batch).t());
            return (residual.Squared().mean([1]) * Scalars.Of(InverseTwoSigmaSquared)).Plus(_t.HalfLogTwoPiSigmaSquared);
        }

        // ℓ_i(θ) = ½ log 2πσ² + (y_i − x_iᵀθ)²/(2σ²) on the first points.
        public override Tensor? PointwiseLoss()
        {
            long m = Math.Min(_t.SampleSize, PointwiseSubset);
            var residual = _t._y.narrow(0, 0, m).unsqueeze(0) - _theta.detach().matmul(_t._x.narrow(0, 0, m).t());
            return (residual.Squared() * Scalars.Of(InverseTwoSigmaSquared)).Plus(_t.HalfLogTwoPiSigmaSquared);
        }

        // Full batch in closed form: ∇L_n = (S_xx θ − S_xy)/(σ² n).
        public override (Tensor Loss, Tensor[] Gradients)? LossAndGradient(Tensor? batch)
        {
            if (batch is not null) return null;
            var theta = _theta.detach();
            var sxxTheta = theta.matmul(_t._sxx);
            var rss = (sxxTheta * theta).sum(1) - theta.matmul(_t._sxy) * Scalars.Of(2.0);
            var loss = (rss.Plus(_t._syy) * Scalars.Of(InverseTwoSigmaSquared / _t.SampleSize)).Plus(_t.HalfLogTwoPiSigmaSquared);
            var gradient = (sxxTheta - _t._sxy) * Scalars.Of(2 * InverseTwoSigmaSquared / _t.SampleSize);
            return (loss, [gradient]);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _theta.Dispose();
        }
    }
}
