using Slt.Phases;

namespace Slt.Tests.Phases;

/// <summary>The two-region model with data: its one-dimensional evidence integrals against brute force, and the spread.</summary>
public sealed class NoisyRegionModelTests
{
    /// <summary>F_simple − F_complex by a plain midpoint rule on the two boxes (no substitution, no symmetry).</summary>
    private static double BruteForceGap(NoisyRegionModel m, double n, double y1, double y2, int cells = 1500)
    {
        double h = 2.0 / cells, zs = 0, zc = 0;
        for (int i = 0; i < cells; i++)
        {
            double a = -1 + (i + 0.5) * h;
            for (int j = 0; j < cells; j++)
            {
                double b = -1 + (j + 0.5) * h;
                double g1 = -m.Delta - a * a * b * b;
                zs += Math.Exp(-n / 2 * ((y1 - g1) * (y1 - g1) + y2 * y2 - y1 * y1 - y2 * y2));
                zc += Math.Exp(-n / 2 * ((y1 - a) * (y1 - a) + (y2 - b) * (y2 - b) - y1 * y1 - y2 * y2));
            }
        }
        // Both boxes have area 4 and the uniform density 1/4: the cell area h² and the density cancel in the ratio.
        return Math.Log(m.ComplexPrior * zc) - Math.Log(m.SimplePrior * zs);
    }

    [Theory]
    [InlineData(20, 0.0, 0.0)]
    [InlineData(50, 0.05, -0.1)]
    [InlineData(50, -0.25, 0.1)]   // ȳ₁ + δ < 0: the simple region fits the mean exactly on a ridge
    [InlineData(200, 0.02, 0.03)]
    public void TheEvidenceIntegralsAgreeWithBruteForce(double n, double y1, double y2)
    {
        var m = new NoisyRegionModel();
        Assert.Equal(BruteForceGap(m, n, y1, y2), m.FreeEnergyGap(n, y1, y2), 3);
    }

    [Fact]
    public void TheSpreadIsReproducibleAndWide()
    {
        var a = NoisyTransitionSpread.Run(seeds: 24, maxN: 5000, gridPoints: 80);
        var b = NoisyTransitionSpread.Run(seeds: 24, maxN: 5000, gridPoints: 80);
        Assert.Equal(a.Rows.Select(r => r.Critical), b.Rows.Select(r => r.Critical));
        // The population transition (ȳ = 0) sits near the data-free pair's exact n_c (same λ, m, c; different shape).
        Assert.InRange(a.PopulationCritical!.Value, 300, 700);
        // Sampling noise spreads n_c: the interquartile range is wide, and the population's n_c lies inside the 5–95 % range.
        Assert.True(a.Quantile(0.75) / a.Quantile(0.25) > 1.5, $"quartiles {a.Quantile(0.25)}–{a.Quantile(0.75)}");
        Assert.InRange(a.PopulationCritical!.Value, a.Quantile(0.05), a.Quantile(0.95));
        var other = NoisyTransitionSpread.Run(new NoisyRegionModel(Delta: 0.2), seeds: 24, maxN: 5000, gridPoints: 80);
        Assert.True(other.Quantile(0.5) < a.Quantile(0.5), "a larger loss gap must bring the transition earlier");
    }

    [Fact]
    public void ThermodynamicIntegrationPerRegionMatchesTheExactGapOnTheSameData()
    {
        // Seed 1's stream at n = 60 and 240, 32 chains: each gap within 4 se plus the discretization bias of unadjusted
        // Langevin (up to 0.01 · (d/2) · log n per region, docs/phases.md §1).
        var e = NoisyTransitionEstimate.Run(seeds: 1, grid: [60, 240], chains: 32);
        Assert.Equal(2, e.Rows.Count);
        foreach (var r in e.Rows)
        {
            Assert.NotEqual(Slt.Diagnostics.Trust.Divergent, r.Trust);
            double bias = 2 * 0.01 * Math.Log(r.N);
            Assert.True(Math.Abs(r.Gap - r.ExactGap) < 4 * r.GapSe + bias, $"n = {r.N}: ΔF̂ = {r.Gap:F4} ± {r.GapSe:F4}, exact {r.ExactGap:F4}");
        }
        // Power: for this stream the data move the gap far from the population's (ȳ = 0) at the same n, and the estimate
        // follows the data, not the population.
        foreach (var r in e.Rows)
        {
            double population = e.Model.FreeEnergyGap(r.N, 0, 0);
            Assert.True(Math.Abs(r.Gap - population) > 4 * r.GapSe + 2 * 0.01 * Math.Log(r.N) + 1,
                $"n = {r.N}: ΔF̂ = {r.Gap:F4} ± {r.GapSe:F4}, population {population:F4}");
        }
    }

    [Fact]
    public void TheCrossingIsTheLastSignChangeInterpolatedInLogN()
    {
        Assert.Equal(200, NoisyTransitionEstimate.Crossing([100, 400], [-1.0, 1.0])!.Value, 9);
        Assert.Equal(800, NoisyTransitionEstimate.Crossing([100, 200, 400, 800], [-1.0, 1.0, -1.0, 0.0])!.Value, 9);
        Assert.Null(NoisyTransitionEstimate.Crossing([100, 200], [1.0, 2.0]));
    }

    [Fact]
    public void BadInputIsRefusedByName()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NoisyRegionModel(Delta: 0).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new NoisyRegionModel().FreeEnergyGap(0, 0, 0));
        Assert.Throws<ArgumentException>(() => new NoisyRegionModel().FreeEnergyGap(10, double.NaN, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => NoisyTransitionSpread.Run(seeds: 1));
    }
}
