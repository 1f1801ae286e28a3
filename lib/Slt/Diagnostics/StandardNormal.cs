namespace Slt.Diagnostics;

/// <summary>
/// The standard normal distribution function Φ and its inverse, to about 1e-14, for the rank-normalization of
/// Vehtari et al. (2021). Φ comes from the complementary error function; Φ⁻¹ from a coarse start polished by Halley's method.
/// </summary>
public static class StandardNormal
{
    /// <summary>Φ(z) = P(Z ≤ z), accurate in relative terms in the lower tail.</summary>
    public static double Cdf(double z) => z < 0 ? 0.5 * Erfc(-z / Math.Sqrt(2)) : 1 - 0.5 * Erfc(z / Math.Sqrt(2));

    /// <summary>
    /// Φ⁻¹(p) for p in (0, 1): ±∞ at 0 and 1, NaN outside. The start is Abramowitz and Stegun 26.2.23 (error below 4.5e-4);
    /// three Halley steps z ← z − u / (1 + z u / 2), u = (Φ(z) − p) / φ(z), converge cubically from there.
    /// </summary>
    public static double Quantile(double p)
    {
        if (double.IsNaN(p) || p < 0 || p > 1) return double.NaN;
        if (p == 0) return double.NegativeInfinity;
        if (p == 1) return double.PositiveInfinity;
        double q = Math.Min(p, 1 - p); // exact for p ≥ 1/2 (Sterbenz)
        double t = Math.Sqrt(-2 * Math.Log(q));
        double z = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) / (1 + t * (1.432788 + t * (0.189269 + t * 0.001308))));
        for (int step = 0; step < 3; step++)
        {
            double u = (0.5 * Erfc(-z / Math.Sqrt(2)) - q) * Math.Sqrt(2 * Math.PI) * Math.Exp(z * z / 2);
            z -= u / (1 + z * u / 2);
        }
        return p <= 0.5 ? z : -z;
    }

    /// <summary>
    /// erfc(x) = (2/√π) ∫_x^∞ e^{−t²} dt. For 0 ≤ x &lt; 2: 1 − erf(x) with the series of positive terms
    /// erf(x) = (2/√π) e^{−x²} Σ_n 2ⁿ x^{2n+1} / (1·3···(2n+1)); for x ≥ 2: Laplace's continued fraction
    /// erfc(x) = (e^{−x²}/√π) / (x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), by the modified Lentz method.
    /// </summary>
    private static double Erfc(double x)
    {
        if (x < 0) return 2 - Erfc(-x);
        if (x < 2)
        {
            double term = x, sum = x;
            for (int n = 1; term > 1e-17 * sum; n++) sum += term *= 2 * x * x / (2 * n + 1);
            return 1 - 2 / Math.Sqrt(Math.PI) * Math.Exp(-x * x) * sum;
        }
        double f = x, c = x, d = 0;
        for (int k = 1; k < 10_000; k++)
        {
            d = 1 / (x + k / 2.0 * d);
            c = x + k / 2.0 / c;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16) break;
        }
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }
}
