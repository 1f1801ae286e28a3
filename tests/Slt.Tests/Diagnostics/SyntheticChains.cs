namespace Slt.Tests.Diagnostics;

/// <summary>Chains with known autocorrelation, for checking diagnostics against theory.</summary>
internal static class SyntheticChains
{
    /// <summary>Stationary AR(1) chains x_t = ρ x_{t−1} + √(1−ρ²) ξ_t (marginally N(0, 1)), chain c times scales[c] plus
    /// offsets[c].</summary>
    public static double[][] Ar1(int chains, int n, double rho, int seed, double[]? scales = null, double[]? offsets = null)
    {
        var rng = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        return Enumerable.Range(0, chains).Select(c =>
        {
            var x = new double[n];
            double v = Normal();
            for (int k = 0; k < n; k++)
            {
                v = rho * v + Math.Sqrt(1 - rho * rho) * Normal();
                x[k] = (offsets?[c] ?? 0) + (scales?[c] ?? 1) * v;
            }
            return x;
        }).ToArray();
    }
}
