namespace Slt.GroundTruth;

/// <summary>Exact quantities of the tempered posterior p_t(w) ∝ φ(w) e^{−tK(w)} for a potential, φ uniform on [−1,1]^d.</summary>
/// <param name="Temperature">t (for the evidence at sample size n with L_n = K, t = n).</param>
/// <param name="LogEvidence">log Z(t), Z(t) = ∫ φ e^{−tK} (φ a probability density, so Z ≤ 1).</param>
/// <param name="ExpectedTK">E_t[tK] = −d log Z / d log t: what a perfect sampler's λ̂ converges to at this t.</param>
public sealed record ExactTemperedValues(double Temperature, double LogEvidence, double ExpectedTK)
{
    /// <summary>Free energy F = −log Z.</summary>
    public double FreeEnergy => -LogEvidence;
}

/// <summary>
/// Quadrature for potentials: Z(t) = ∫_{[−1,1]^d} 2^{−d} e^{−tK(w)} dw and E_t[tK], for blocks of one or two variables,
/// and for any number of such blocks in disjoint variables (Z factorises, log Z and E_t[tK] add).
/// </summary>
/// <remarks>
/// K is even in every variable, so the integral over the box equals the one over [0,1]^b. The substitution
/// w = e^{−s} (dw = e^{−s} ds) turns the sharp ridge of e^{−tK} along the axes (width t^{−1/(2k)}) into a smooth
/// step of width O(1) in s, which composite Simpson integrates to ~1e−8 with step 0.01 on s ∈ [0, 45]
/// (the neglected tail is below e^{−45}).
/// </remarks>
public static class PotentialQuadrature
{
    private const double Span = 45.0;

    /// <summary>Exact log Z(t) and E_t[tK].</summary>
    /// <param name="potential">The potential (blocks of at most two variables).</param>
    /// <param name="t">Inverse temperature t ≥ 0.</param>
    /// <param name="step">Simpson step in s = −log w.</param>
    public static ExactTemperedValues At(NormalCrossingPotential potential, double t, double step = 0.01)
    {
        ArgumentNullException.ThrowIfNull(potential);
        if (!(t >= 0) || double.IsInfinity(t)) throw new ArgumentOutOfRangeException(nameof(t), t, "t must be finite and ≥ 0.");
        if (!(step > 0 && step <= 0.1)) throw new ArgumentOutOfRangeException(nameof(step), step, "step must lie in (0, 0.1].");
        double logZ = 0, etk = 0;
        foreach (var (vars, terms) in potential.DisjointBlocks())
        {
            var (z, m) = vars.Length switch
            {
                1 => Block1(terms, t, step),
                2 => Block2(terms, t, step),
                _ => throw new ArgumentException(
                    $"Quadrature covers blocks of at most two shared variables; \"{potential.Notation}\" couples {vars.Length}.", nameof(potential)),
            };
            logZ += Math.Log(z);
            etk += t * m / z;
        }
        return new ExactTemperedValues(t, logZ, etk);
    }

    /// <summary>Exact free energy F_n = −log Z_n at sample size n, the potential playing L_n = K (K(w*) = 0).</summary>
    public static double FreeEnergy(NormalCrossingPotential potential, double n) => At(potential, n).FreeEnergy;

    /// <summary>Exact WBIC = E^β[nK] with β = 1/log n (Watanabe 2013), posterior ∝ φ e^{−nβK}.</summary>
    public static double Wbic(NormalCrossingPotential potential, double n)
    {
        double nBeta = n / Math.Log(n);
        return At(potential, nBeta).ExpectedTK * Math.Log(n);
    }

    private static (int Count, double[] Weights) Simpson(double step)
    {
        int intervals = (int)Math.Ceiling(Span / step);
        if (intervals % 2 == 1) intervals++;
        double h = Span / intervals;
        var w = new double[intervals + 1];
        for (int i = 0; i <= intervals; i++) w[i] = h / 3 * (i == 0 || i == intervals ? 1 : i % 2 == 1 ? 4 : 2);
        return (intervals + 1, w);
    }

    private static (double Z, double M) Block1(int[][] terms, double t, double step)
    {
        var (count, weights) = Simpson(step);
        double h = Span / (count - 1);
        double z = 0, m = 0;
        for (int i = 0; i < count; i++)
        {
            double u = Math.Exp(-i * h);
            double k = 0;
            foreach (var term in terms) k += Math.Pow(u, 2 * term[0]);
            double e = weights[i] * u * Math.Exp(-t * k);
            z += e;
            m += e * k;
        }
        return (z, m);
    }

    private static (double Z, double M) Block2(int[][] terms, double t, double step)
    {
        if (terms.Length == 1 && terms[0][0] == terms[0][1] && terms[0][0] > 0) return EqualMonomial(terms[0][0], t, step);
        return Block2Grid(terms, t, step);
    }

    /// <summary>
    /// One monomial (w₁w₂)^{2k}: with w_i = e^{−s_i}, K = e^{−2k(s₁ + s₂)} depends on r = s₁ + s₂ only, and the set
    /// {s₁, s₂ ≥ 0, s₁ + s₂ = r} has length r, so Z = ∫_0^∞ r e^{−r} e^{−t e^{−2kr}} dr, a one-dimensional integral
    /// (the same value as the two-dimensional rule, at a fraction of the cost).
    /// </summary>
    private static (double Z, double M) EqualMonomial(int k, double t, double step)
    {
        var (count, weights) = Simpson(step);
        double h = Span / (count - 1);
        double z = 0, m = 0;
        for (int i = 0; i < count; i++)
        {
            double r = i * h, kr = Math.Exp(-2 * k * r);
            double e = weights[i] * r * Math.Exp(-r - t * kr);
            z += e;
            m += e * kr;
        }
        return (z, m);
    }

    /// <summary>The two-dimensional composite Simpson rule in (s₁, s₂) for any terms in two variables.</summary>
    internal static (double Z, double M) Block2Grid(int[][] terms, double t, double step)
    {
        var (count, weights) = Simpson(step);
        double h = Span / (count - 1);
        var u = new double[count];
        for (int i = 0; i < count; i++) u[i] = Math.Exp(-i * h);
        // Powers u^{2k} for every exponent used, per variable.
        var powers = terms.Select(term => new[] { Powers(u, term[0]), Powers(u, term[1]) }).ToArray();
        double z = 0, m = 0;
        for (int i = 0; i < count; i++)
        {
            double zi = 0, mi = 0;
            for (int j = 0; j < count; j++)
            {
                double k = 0;
                for (int q = 0; q < powers.Length; q++) k += powers[q][0][i] * powers[q][1][j];
                double e = weights[j] * u[j] * Math.Exp(-t * k);
                zi += e;
                mi += e * k;
            }
            z += weights[i] * u[i] * zi;
            m += weights[i] * u[i] * mi;
        }
        return (z, m);
    }

    private static double[] Powers(double[] u, int k) => u.Select(x => k == 0 ? 1.0 : Math.Pow(x, 2 * k)).ToArray();
}
