using Slt.Truth;

namespace Slt.Phases;

/// <summary>
/// A two-region model with data, whose posterior is exact for every data set: y ∈ ℝ² with the truth q = N(0, I) and the
/// model p(y | w) = N(g(w), I), w ∈ [−1, 1]² uniform in each region. Simple region: g(w) = (−δ − (w₁w₂)², 0), so
/// K = ½(δ + (w₁w₂)²)², c = δ²/2, and near its minimum K − c ≈ δ(w₁w₂)²: λ = ½, m = 2. Complex region: g(w) = (w₁, w₂),
/// the truth inside, K = ½|w|²: λ = 1. Given D_n, n L_n(w) − n L_n(truth) = (n/2)(|ȳ − g(w)|² − |ȳ|²) depends on the
/// data only through the mean ȳ, so each region's evidence is one integral: over v = |w₁w₂| (density −log v on (0, 1])
/// for the simple region, a product of two one-dimensional Gaussian integrals for the complex one. The sampling noise in
/// ȳ makes the transition random.
/// </summary>
/// <param name="Delta">δ &gt; 0: the simple region's offset (its loss is δ²/2).</param>
/// <param name="SimplePrior">π of the simple region.</param>
/// <param name="ComplexPrior">π of the complex region.</param>
public sealed record NoisyRegionModel(double Delta = 0.1414213562373095, double SimplePrior = 0.5, double ComplexPrior = 0.5)
{
    private const double Span = 45.0;

    /// <summary>Throws a parameter-naming exception when a field is out of range; returns this model otherwise.</summary>
    public NoisyRegionModel Validate()
    {
        if (!(Delta > 0 && Delta <= 1)) throw new ArgumentOutOfRangeException(nameof(Delta), Delta, "delta must be in (0, 1].");
        if (!(SimplePrior > 0) || double.IsInfinity(SimplePrior)) throw new ArgumentOutOfRangeException(nameof(SimplePrior), SimplePrior, "simplePrior must be finite and > 0.");
        if (!(ComplexPrior > 0) || double.IsInfinity(ComplexPrior)) throw new ArgumentOutOfRangeException(nameof(ComplexPrior), ComplexPrior, "complexPrior must be finite and > 0.");
        return this;
    }

    /// <summary>The simple region's loss c = δ²/2 (the complex region's is 0).</summary>
    public double SimpleLoss => Delta * Delta / 2;

    /// <summary>The same machine's population version as a <see cref="RegionTransition"/>-like formula: Δc = δ²/2, Δλ = ½.</summary>
    public double? FormulaCriticalSampleSize() => new RegionTransition(
        new PhaseRegion("simple", SimpleLoss, GroundTruth.NormalCrossingPotential.Parse("1,1"), SimplePrior),
        new PhaseRegion("complex", 0, GroundTruth.NormalCrossingPotential.Parse("1,0;0,1"), ComplexPrior)).PredictedCriticalSampleSize(FreeEnergyTerms.Leading);

    /// <summary>Exact F_simple − F_complex at sample size n given the data mean ȳ (ȳ = 0: the population, L_n = K).</summary>
    /// <param name="n">Sample size ≥ 1.</param>
    /// <param name="mean1">ȳ₁.</param>
    /// <param name="mean2">ȳ₂.</param>
    /// <param name="step">Simpson step of the simple region's integral in s = −log v.</param>
    public double FreeEnergyGap(double n, double mean1, double mean2, double step = 0.005)
    {
        if (!(n >= 1) || double.IsInfinity(n)) throw new ArgumentOutOfRangeException(nameof(n), n, "n must be finite and ≥ 1.");
        if (!double.IsFinite(mean1) || !double.IsFinite(mean2)) throw new ArgumentException("The data mean must be finite.", nameof(mean1));
        double logSimple = Math.Log(SimplePrior) + n / 2 * mean1 * mean1 + LogSimpleIntegral(n, mean1 + Delta, step);
        double logComplex = Math.Log(ComplexPrior) + n / 2 * (mean1 * mean1 + mean2 * mean2)
            + LogGaussianBox(n, mean1) + LogGaussianBox(n, mean2);
        return logComplex - logSimple; // F_simple − F_complex = log Z_complex − log Z_simple
    }

    /// <summary>Exact posterior mass of the complex region.</summary>
    public double MassOfComplex(double n, double mean1, double mean2) => 1 / (1 + Math.Exp(-FreeEnergyGap(n, mean1, mean2)));

    /// <summary>log ∫_0^∞ s e^{−s} exp(−(n/2)(h + e^{−2s})²) ds with h = ȳ₁ + δ (Simpson in s, log-sum-exp).</summary>
    private static double LogSimpleIntegral(double n, double h, double step)
    {
        int intervals = (int)Math.Ceiling(Span / step);
        if (intervals % 2 == 1) intervals++;
        double dh = Span / intervals;
        var exponent = new double[intervals + 1];
        double max = double.NegativeInfinity;
        for (int i = 0; i <= intervals; i++)
        {
            double s = i * dh, r = h + Math.Exp(-2 * s);
            exponent[i] = (s > 0 ? Math.Log(s) : double.NegativeInfinity) - s - n / 2 * r * r;
            if (exponent[i] > max) max = exponent[i];
        }
        double sum = 0;
        for (int i = 0; i <= intervals; i++)
            sum += (i == 0 || i == intervals ? 1 : i % 2 == 1 ? 4 : 2) * Math.Exp(exponent[i] - max);
        return max + Math.Log(sum * dh / 3);
    }

    /// <summary>log ∫_{−1}^{1} ½ exp(−(n/2)(w − m)²) dw (Simpson over the window of ±40 standard deviations inside the box).</summary>
    private static double LogGaussianBox(double n, double m)
    {
        double sd = 1 / Math.Sqrt(n), a = Math.Max(-1, m - 40 * sd), b = Math.Min(1, m + 40 * sd);
        if (!(b > a)) return double.NegativeInfinity;
        const int intervals = 4000;
        double h = (b - a) / intervals, sum = 0;
        // The exponent's largest value on [a, b] is at the point nearest m.
        double peak = Math.Clamp(m, a, b), top = -n / 2 * (peak - m) * (peak - m);
        for (int i = 0; i <= intervals; i++)
        {
            double w = a + i * h, e = -n / 2 * (w - m) * (w - m) - top;
            sum += (i == 0 || i == intervals ? 1 : i % 2 == 1 ? 4 : 2) * Math.Exp(e);
        }
        return top + Math.Log(0.5 * sum * h / 3);
    }

    /// <summary>A data stream y₁, y₂, … ~ N(0, I) of <paramref name="count"/> points (seeded) as running means ȳ_n, n = 1 … count.</summary>
    public static (double[] Mean1, double[] Mean2) RunningMeans(int count, long seed)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be at least 1.");
        var random = DeterministicRandom.ForStream(seed, "noisy-region-model");
        var m1 = new double[count];
        var m2 = new double[count];
        double s1 = 0, s2 = 0;
        for (int i = 0; i < count; i++)
        {
            s1 += random.NextGaussian(); s2 += random.NextGaussian();
            m1[i] = s1 / (i + 1); m2[i] = s2 / (i + 1);
        }
        return (m1, m2);
    }
}
