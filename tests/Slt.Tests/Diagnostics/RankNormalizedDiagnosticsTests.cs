using Slt.Diagnostics;
using Xunit.Abstractions;

namespace Slt.Tests.Diagnostics;

/// <summary>The rank-normalized R̂, bulk- and tail-ESS and MCSE of Vehtari et al. (2021) against exact theory and
/// against an independent implementation.</summary>
public sealed class RankNormalizedDiagnosticsTests(ITestOutputHelper output)
{
    private static double[][] Ar1(int chains, int n, double rho, int seed, double[]? scales = null, double[]? offsets = null) =>
        SyntheticChains.Ar1(chains, n, rho, seed, scales, offsets);

    private static double[][] Cauchy(int chains, int n, double[] scales, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, chains)
            .Select(c => Enumerable.Range(0, n).Select(_ => scales[c] * Math.Tan(Math.PI * (rng.NextDouble() - 0.5))).ToArray()).ToArray();
    }

    /// <summary>
    /// Bulk-ESS/S of AR(1) chains against the exact (1 − ρ)/(1 + ρ), and MCSE against the exact sd·√((1 + ρ)/(1 − ρ)/S).
    /// Tolerance: the ESS estimate is S/τ̂ with τ̂ a truncated sum of autocorrelations to lag K, whose relative standard
    /// deviation is about √(2(2K + 1)/S) (Priestley 1981, Spectral Analysis and Time Series: the variance of a lag-window estimate at frequency 0, rectangular
    /// window); Geyer's sequence stops near the lag where ρ^K falls to the noise 1/√S, K ≈ ln √S / ln(1/ρ) (at least 5).
    /// The MCSE sd/√ESS then has relative sd ½√(2(2K + 1)/S) + √((1 + ρ²)/(1 − ρ²)/(2S)) (the second term: sd's own error).
    /// Both are allowed four standard deviations. Rank-normalizing Gaussian draws is asymptotically the identity,
    /// so the bulk-ESS follows the same theory.
    /// </summary>
    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void BulkEssAndMcseMatchAr1Theory(double rho)
    {
        const int chains = 4, n = 50_000;
        double s = chains * n;
        var x = Ar1(chains, n, rho, seed: 100 + (int)(10 * rho));
        double k = Math.Max(5, rho > 0 ? Math.Log(Math.Sqrt(s)) / Math.Log(1 / rho) : 0);
        double essSd = Math.Sqrt(2 * (2 * k + 1) / s);

        double essRatio = ConvergenceDiagnostics.BulkEss(x) / s, exactRatio = (1 - rho) / (1 + rho);
        double mcse = ConvergenceDiagnostics.McseMean(x), exactMcse = Math.Sqrt((1 + rho) / (1 - rho) / s);
        double mcseSd = essSd / 2 + Math.Sqrt((1 + rho * rho) / (1 - rho * rho) / (2 * s));
        output.WriteLine($"ρ = {rho}: bulk-ESS/S {essRatio:F5} vs exact {exactRatio:F5} (rel. error {essRatio / exactRatio - 1:+0.0000;-0.0000}, tolerance ±{4 * essSd:F4}); " +
                         $"MCSE {mcse:E4} vs exact {exactMcse:E4} (rel. error {mcse / exactMcse - 1:+0.0000;-0.0000}, tolerance ±{4 * mcseSd:F4})");
        Assert.InRange(essRatio / exactRatio - 1, -4 * essSd, 4 * essSd);
        Assert.InRange(mcse / exactMcse - 1, -4 * mcseSd, 4 * mcseSd);
    }

    /// <summary>One of four chains shifted by k sd: on the raw scale the 8 half-chain means
    /// (six at 0, two at k) have sample variance (6(k/4)² + 2(3k/4)²)/7 = 3k²/14 against W ≈ 1, so R̂ ≈ √(1 + 3k²/14): 1.10 for k = 1, 1.71 for k = 3. The normal scores compress the
    /// shifted chain's outlying draws, so the rank-normalized R̂ is a little smaller: it is asked to exceed 1.05 and 1.3.</summary>
    [Theory]
    [InlineData(1.0, 1.05)]
    [InlineData(3.0, 1.3)]
    public void ChainShiftedByKStandardDeviationsGivesLargeRHat(double k, double atLeast)
    {
        var x = Ar1(4, 2000, 0.5, seed: 7, offsets: [0, 0, 0, k]);
        double rhat = ConvergenceDiagnostics.RankNormalizedRHat(x);
        output.WriteLine($"shift {k} sd: R̂ {rhat:F4} (bulk {ConvergenceDiagnostics.BulkRHat(x):F4}, tail {ConvergenceDiagnostics.TailRHat(x):F4})");
        Assert.True(rhat > atLeast, $"R̂ = {rhat}");
        Assert.InRange(ConvergenceDiagnostics.RankNormalizedRHat(Ar1(4, 2000, 0.5, seed: 8)), 0.99, 1.01);
    }

    /// <summary>One chain three times as wide, same centre: its ranks have the same mean, so the bulk R̂ (and the classic
    /// split-R̂) stay near 1; the folded draws |x − median| of that chain are three times as large, which the tail R̂ sees.
    /// The Cauchy case has no variance at all: only the rank-based R̂ is meaningful there, and log|x| is more spread out than
    /// for the normal (sd π/2 against 1.11), so a threefold scale separates less: asked for 1.03 rather than 1.1, both far
    /// above the sampling noise of R̂ for 4 × 2000 independent draws (about 0.001).</summary>
    [Theory]
    [InlineData("normal", 1.1)]
    [InlineData("cauchy", 1.03)]
    public void TailRHatCatchesAChainWithADifferentScaleThatTheBulkMisses(string family, double tailAtLeast)
    {
        double[] scales = [1, 1, 1, 3];
        var x = family == "normal" ? Ar1(4, 2000, 0, seed: 9, scales: scales) : Cauchy(4, 2000, scales, seed: 10);
        double bulk = ConvergenceDiagnostics.BulkRHat(x), tail = ConvergenceDiagnostics.TailRHat(x);
        output.WriteLine($"{family}: bulk R̂ {bulk:F4}, tail R̂ {tail:F4}, classic split-R̂ {ConvergenceDiagnostics.SplitRHat(x):F4}");
        Assert.InRange(bulk, 0.99, 1.01);
        Assert.True(tail > tailAtLeast, $"tail R̂ = {tail}");
        Assert.Equal(tail, ConvergenceDiagnostics.RankNormalizedRHat(x));
        if (family == "normal") Assert.InRange(ConvergenceDiagnostics.SplitRHat(x), 0.99, 1.01);
        var same = Cauchy(4, 2000, [1, 1, 1, 1], seed: 11);
        Assert.InRange(ConvergenceDiagnostics.RankNormalizedRHat(same), 0.99, 1.01);
    }

    /// <summary>Case A: 4 chains × 20 draws ((k² + 3ck + c) mod 13) + c/2, with ties within and across chains.</summary>
    private static double[][] CaseA() =>
        Enumerable.Range(0, 4).Select(c => Enumerable.Range(0, 20).Select(k => (k * k + 3 * c * k + c) % 13 + 0.5 * c).ToArray()).ToArray();

    /// <summary>Case B: 3 chains × 25 draws (odd), (((k³ + 5c) mod 19) + k/32)·s_c/4 − 2 with s = (1, 1, 3).</summary>
    private static double[][] CaseB() =>
        Enumerable.Range(0, 3).Select(c => Enumerable.Range(0, 25).Select(k => ((k * k * k + 5 * c) % 19 + k / 32.0) * (c == 2 ? 3 : 1) / 4 - 2).ToArray()).ToArray();

    /// <summary>
    /// Reference values from convergence_reference.py beside this file: plain loops over the formulas of Vehtari et al.
    /// (2021), written without this library, with Python's statistics.NormalDist (Wichura's AS241) as Φ⁻¹.
    /// Inputs are multiples of 1/32, exact in both languages.
    /// </summary>
    [Theory]
    [InlineData("A", 0.9727668982407182, 1.0143517358853713, 99.83062561608753, 37.23834006610356, 0.36884521053744374, 6.325)]
    [InlineData("B", 1.2839272673622417, 1.257448722423891, 8.347907490680038, 51.19086640272534, 1.617096293985625, 2.41625)]
    public void FixedChainsMatchAnIndependentImplementation(string name, double bulkRHat, double tailRHat, double essBulk, double essTail, double mcse, double mean)
    {
        var x = name == "A" ? CaseA() : CaseB();
        var summary = ChainSummary.Compute(x);
        (string, double, double)[] pairs =
        [
            ("bulk R̂", bulkRHat, ConvergenceDiagnostics.BulkRHat(x)), ("tail R̂", tailRHat, ConvergenceDiagnostics.TailRHat(x)),
            ("R̂", Math.Max(bulkRHat, tailRHat), summary.RHat), ("bulk-ESS", essBulk, summary.EssBulk),
            ("tail-ESS", essTail, summary.EssTail), ("MCSE", mcse, summary.McseMean), ("mean", mean, summary.Mean),
        ];
        foreach (var (what, reference, actual) in pairs)
        {
            output.WriteLine($"case {name} {what}: reference {reference:R}, implementation {actual:R}, difference {actual - reference:E2}");
            Assert.Equal(reference, actual, 1e-10);
        }
    }

    /// <summary>Φ⁻¹ against Python's statistics.NormalDist().inv_cdf (Wichura's AS241, a different algorithm).</summary>
    [Theory]
    [InlineData(1e-300, -37.0470962993612)]
    [InlineData(1e-12, -7.034483825301132)]
    [InlineData(1e-06, -4.753424308822899)]
    [InlineData(0.001, -3.090232306167813)]
    [InlineData(0.025, -1.9599639845400538)]
    [InlineData(0.2, -0.8416212335729142)]
    [InlineData(0.5, 0.0)]
    [InlineData(0.7, 0.5244005127080407)]
    [InlineData(0.975, 1.9599639845400536)]
    [InlineData(0.999999, 4.753424308817089)]
    public void NormalQuantileMatchesAs241(double p, double z)
    {
        Assert.Equal(z, StandardNormal.Quantile(p), 1e-13 * Math.Max(1, Math.Abs(z)));
        if (p > 1e-300) Assert.Equal(p, StandardNormal.Cdf(z), 1e-13 * p);
    }

    [Fact]
    public void TooFewDrawsAndNonFiniteValuesGiveNaNRaggedChainsAnError()
    {
        double[][] single = [[1.0]];
        Assert.True(double.IsNaN(ConvergenceDiagnostics.RankNormalizedRHat(single)));
        Assert.True(double.IsNaN(ConvergenceDiagnostics.BulkEss(single)));
        Assert.True(double.IsNaN(ConvergenceDiagnostics.TailEss(single)));
        Assert.True(double.IsNaN(ConvergenceDiagnostics.McseMean(single)));
        var withNaN = Ar1(2, 100, 0, seed: 12);
        withNaN[1][50] = double.NaN;
        var summary = ChainSummary.Compute(withNaN);
        Assert.True(double.IsNaN(summary.RHat) && double.IsNaN(summary.EssBulk) && double.IsNaN(summary.EssTail) && double.IsNaN(summary.McseMean));
        Assert.Equal(Trust.Untrustworthy, summary.TrustLevel());
        double[][] ragged = [[1, 2, 3, 4, 5], [1, 2, 3, 4]];
        Assert.Contains("Ragged", Assert.Throws<ArgumentException>(() => ChainSummary.Compute(ragged)).Message);
        Assert.Throws<ArgumentException>(() => ConvergenceDiagnostics.BulkEss([]));
    }
}
