using Slt.Diagnostics;

namespace Slt.Tests.Diagnostics;

public sealed class ConvergenceDiagnosticsTests
{
    private static double[][] Ar1(int chains, int n, double rho, double[] offsets, int seed)
    {
        var rng = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        return Enumerable.Range(0, chains).Select(c =>
        {
            var x = new double[n];
            double v = Normal();
            for (int k = 0; k < n; k++) x[k] = offsets[c] + (v = rho * v + Math.Sqrt(1 - rho * rho) * Normal());
            return x;
        }).ToArray();
    }

    [Fact]
    public void RHatNearOneForAgreeingChainsAndLargeForShiftedOnes()
    {
        var same = Ar1(4, 2000, 0.5, [0, 0, 0, 0], 1);
        Assert.InRange(ConvergenceDiagnostics.SplitRHat(same), 0.99, 1.01);
        var shifted = Ar1(4, 2000, 0.5, [0, 0, 0, 2], 2);
        Assert.True(ConvergenceDiagnostics.SplitRHat(shifted) > 1.1);
    }

    [Fact]
    public void EssMatchesAr1Theory()
    {
        // ESS of an AR(1) chain with coefficient ρ is N(1 − ρ)/(1 + ρ).
        var chains = Ar1(8, 5000, 0.8, new double[8], 3);
        double expected = 8 * 5000 * (1 - 0.8) / (1 + 0.8);
        double ess = ConvergenceDiagnostics.EffectiveSampleSize(chains);
        Assert.InRange(ess, 0.8 * expected, 1.2 * expected);
        var independent = Ar1(4, 2000, 0, new double[4], 4);
        Assert.InRange(ConvergenceDiagnostics.EffectiveSampleSize(independent), 0.85 * 8000, 1.15 * 8000);
    }

    [Fact]
    public void NonFiniteTracesGiveNaNNotANumber()
    {
        var chains = Ar1(2, 100, 0, new double[2], 5);
        chains[1][50] = double.NaN;
        Assert.True(double.IsNaN(ConvergenceDiagnostics.SplitRHat(chains)));
        Assert.True(double.IsNaN(ConvergenceDiagnostics.EffectiveSampleSize(chains)));
    }
}
