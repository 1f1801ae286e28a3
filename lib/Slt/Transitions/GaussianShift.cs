namespace Slt.Transitions;

/// <summary>
/// The closed-form case of a susceptibility: quadratic losses L_q(w) = ½ Σ_i α_i (w_i − a_i)² and
/// L_{q'}(w) = ½ Σ_i β_i (w_i − b_i)² in d variables, the localized tempered posterior
/// p_h(w) ∝ exp(−nβ L_h(w) − (γ/2)‖w − w*‖²) at L_h = (1 − h)L_q + hL_{q'}, and the observable φ = L_q.
/// Every p_h is Gaussian, so E_h[φ] and χ = dE_h[φ]/dh at h = 0 are exact (docs/susceptibilities.md §3).
/// </summary>
/// <remarks>
/// Restricted to a block C of coordinates (the others held at w*, as the sampler's <c>SampledParameters</c> does), p_h is
/// the product over i ∈ C of normals with precision P_i(h) = nβ((1 − h)α_i + hβ_i) + γ and mean
/// m_i(h) = (nβ((1 − h)α_i a_i + hβ_i b_i) + γ w*_i) / P_i(h), so
/// E_h[φ] = Σ_{i∈C} ½α_i (1/P_i(h) + (m_i(h) − a_i)²) + Σ_{i∉C} ½α_i (w*_i − a_i)².
/// </remarks>
public sealed record GaussianShift
{
    /// <param name="nBeta">nβ &gt; 0.</param>
    /// <param name="localization">γ ≥ 0 (γ &gt; 0 or every α_i &gt; 0 keeps p_0 proper).</param>
    /// <param name="optimum">w*, the centre of the localization (and where chains start).</param>
    /// <param name="curvature">α_i &gt; 0 of L_q.</param>
    /// <param name="centre">a_i of L_q.</param>
    /// <param name="shiftedCurvature">β_i &gt; 0 of L_{q'}.</param>
    /// <param name="shiftedCentre">b_i of L_{q'}.</param>
    /// <exception cref="ArgumentException">Lengths differ, d = 0, a value is not finite, nβ ≤ 0, γ &lt; 0 or a curvature ≤ 0.</exception>
    public GaussianShift(double nBeta, double localization, double[] optimum, double[] curvature, double[] centre, double[] shiftedCurvature, double[] shiftedCentre)
    {
        ArgumentNullException.ThrowIfNull(optimum);
        ArgumentNullException.ThrowIfNull(curvature);
        ArgumentNullException.ThrowIfNull(centre);
        ArgumentNullException.ThrowIfNull(shiftedCurvature);
        ArgumentNullException.ThrowIfNull(shiftedCentre);
        if (!(nBeta > 0) || !double.IsFinite(nBeta)) throw new ArgumentException($"nβ must be finite and > 0; got {nBeta}.", nameof(nBeta));
        if (!(localization >= 0) || !double.IsFinite(localization)) throw new ArgumentException($"γ must be finite and ≥ 0; got {localization}.", nameof(localization));
        int d = curvature.Length;
        if (d == 0) throw new ArgumentException("The case needs at least one variable.", nameof(curvature));
        foreach (var (v, name) in new[] { (optimum, nameof(optimum)), (centre, nameof(centre)), (shiftedCurvature, nameof(shiftedCurvature)), (shiftedCentre, nameof(shiftedCentre)) })
            if (v.Length != d) throw new ArgumentException($"{name} has {v.Length} entries; the curvature has {d}.", name);
        foreach (var v in new[] { optimum, curvature, centre, shiftedCurvature, shiftedCentre })
            if (v.Any(x => !double.IsFinite(x))) throw new ArgumentException("Every entry must be finite.", nameof(curvature));
        if (curvature.Concat(shiftedCurvature).Any(x => x <= 0)) throw new ArgumentException("Every curvature α_i, β_i must be > 0.", nameof(curvature));
        NBeta = nBeta;
        Localization = localization;
        Optimum = (double[])optimum.Clone();
        Curvature = (double[])curvature.Clone();
        Centre = (double[])centre.Clone();
        ShiftedCurvature = (double[])shiftedCurvature.Clone();
        ShiftedCentre = (double[])shiftedCentre.Clone();
    }

    /// <summary>The case of the measured figures: d = 3, nβ = 10, γ = 4, w* = 0, α = (1, 2, 0.5), a = (0.3, −0.2, 0.5),
    /// β = (2, 1, 1.5), b = (−0.4, 0.3, 0.2): precisions 14, 24, 9 at h = 0, and centres that move under the shift.</summary>
    public static GaussianShift Default { get; } = new(10, 4, [0, 0, 0], [1, 2, 0.5], [0.3, -0.2, 0.5], [2, 1, 1.5], [-0.4, 0.3, 0.2]);

    /// <summary>nβ.</summary>
    public double NBeta { get; }

    /// <summary>γ.</summary>
    public double Localization { get; }

    /// <summary>w*.</summary>
    public IReadOnlyList<double> Optimum { get; }

    /// <summary>α_i.</summary>
    public IReadOnlyList<double> Curvature { get; }

    /// <summary>a_i.</summary>
    public IReadOnlyList<double> Centre { get; }

    /// <summary>β_i.</summary>
    public IReadOnlyList<double> ShiftedCurvature { get; }

    /// <summary>b_i.</summary>
    public IReadOnlyList<double> ShiftedCentre { get; }

    /// <summary>d.</summary>
    public int Dimension => Curvature.Count;

    /// <summary>The variables' names w1, …, wd (the sampler's parameter names).</summary>
    public IReadOnlyList<string> VariableNames => Enumerable.Range(1, Dimension).Select(i => $"w{i}").ToArray();

    /// <summary>L_q(w).</summary>
    public double Loss(IReadOnlyList<double> w) => Quadratic(w, Curvature, Centre);

    /// <summary>L_{q'}(w).</summary>
    public double ShiftedLoss(IReadOnlyList<double> w) => Quadratic(w, ShiftedCurvature, ShiftedCentre);

    /// <summary>Precision P_i(h) and mean m_i(h) of coordinate i under p_h.</summary>
    public (double Precision, double Mean) Marginal(int i, double h)
    {
        double precision = NBeta * ((1 - h) * Curvature[i] + h * ShiftedCurvature[i]) + Localization;
        if (!(precision > 0)) throw new ArgumentException($"At h = {h} coordinate {i + 1} has precision {precision} ≤ 0: p_h is not normalizable.", nameof(h));
        double mean = (NBeta * ((1 - h) * Curvature[i] * Centre[i] + h * ShiftedCurvature[i] * ShiftedCentre[i]) + Localization * Optimum[i]) / precision;
        return (precision, mean);
    }

    /// <summary>E_h[φ] = E_h[L_q], exactly, for the posterior restricted to <paramref name="block"/> (0-based coordinates;
    /// null: all).</summary>
    public double ExpectedObservable(double h, IReadOnlyCollection<int>? block = null)
    {
        var sampled = Block(block);
        double e = 0;
        for (int i = 0; i < Dimension; i++)
        {
            if (!sampled[i]) { e += 0.5 * Curvature[i] * Math.Pow(Optimum[i] - Centre[i], 2); continue; }
            var (p, m) = Marginal(i, h);
            e += 0.5 * Curvature[i] * (1 / p + (m - Centre[i]) * (m - Centre[i]));
        }
        return e;
    }

    /// <summary>χ = dE_h[φ]/dh at h = 0, exactly, by differentiating <see cref="ExpectedObservable"/>:
    /// Σ_{i∈C} ½α_i (−P_i′/P_i² + 2(m_i − a_i) m_i′), P_i′ = nβ(β_i − α_i), m_i′ = (nβ(β_i b_i − α_i a_i) − m_i P_i′)/P_i.</summary>
    public double ExactSusceptibility(IReadOnlyCollection<int>? block = null)
    {
        var sampled = Block(block);
        double chi = 0;
        for (int i = 0; i < Dimension; i++)
        {
            if (!sampled[i]) continue;
            var (p, m) = Marginal(i, 0);
            double dp = NBeta * (ShiftedCurvature[i] - Curvature[i]);
            double dm = (NBeta * (ShiftedCurvature[i] * ShiftedCentre[i] - Curvature[i] * Centre[i]) - m * dp) / p;
            chi += 0.5 * Curvature[i] * (-dp / (p * p) + 2 * (m - Centre[i]) * dm);
        }
        return chi;
    }

    /// <summary>−nβ Cov_0[L_q, L_{q'} − L_q] from the Gaussian moments at h = 0 (for w ~ N(m, 1/P):
    /// Cov[(w − a)², (w − b)²] = 2/P² + 4(m − a)(m − b)/P): the covariance form, computed independently of the derivative.</summary>
    public double ExactCovarianceForm(IReadOnlyCollection<int>? block = null)
    {
        var sampled = Block(block);
        double covariance = 0;
        for (int i = 0; i < Dimension; i++)
        {
            if (!sampled[i]) continue;
            var (p, m) = Marginal(i, 0);
            double a = Centre[i], b = ShiftedCentre[i], alpha = Curvature[i], beta = ShiftedCurvature[i];
            double cross = 0.25 * alpha * beta * (2 / (p * p) + 4 * (m - a) * (m - b) / p);
            double variance = 0.25 * alpha * alpha * (2 / (p * p) + 4 * (m - a) * (m - a) / p);
            covariance += cross - variance;
        }
        return -NBeta * covariance;
    }

    /// <summary>The central finite difference (E_δ[φ] − E_{−δ}[φ]) / 2δ of the exact expectation.</summary>
    public double FiniteDifference(double delta = 1e-4, IReadOnlyCollection<int>? block = null)
    {
        if (!(delta > 0) || delta >= 1) throw new ArgumentException($"δ must lie in (0, 1); got {delta}.", nameof(delta));
        return (ExpectedObservable(delta, block) - ExpectedObservable(-delta, block)) / (2 * delta);
    }

    private bool[] Block(IReadOnlyCollection<int>? block)
    {
        var sampled = new bool[Dimension];
        if (block is null) { Array.Fill(sampled, true); return sampled; }
        if (block.Count == 0) throw new ArgumentException("The block is empty: name at least one coordinate.", nameof(block));
        foreach (int i in block)
        {
            if (i < 0 || i >= Dimension) throw new ArgumentException($"Coordinate {i} is outside 0..{Dimension - 1}.", nameof(block));
            if (sampled[i]) throw new ArgumentException($"Coordinate {i} appears twice in the block.", nameof(block));
            sampled[i] = true;
        }
        return sampled;
    }

    private static double Quadratic(IReadOnlyList<double> w, IReadOnlyList<double> curvature, IReadOnlyList<double> centre)
    {
        double s = 0;
        for (int i = 0; i < curvature.Count; i++) s += 0.5 * curvature[i] * (w[i] - centre[i]) * (w[i] - centre[i]);
        return s;
    }
}
