using Slt.Diagnostics;
using Slt.Estimators;
using Slt.Sampling;
using Xunit.Abstractions;

namespace Slt.Tests.Diagnostics;

/// <summary>
/// The sampler's verdict and λ̂'s standard error use the rank-normalized diagnostics of Vehtari et al. (2021): trustworthy
/// from R̂ &lt; 1.01 and bulk- and tail-ESS ≥ 400, and a standard error that accounts for autocorrelation. Checked on
/// synthetic runs whose traces are AR(1) chains with known autocorrelation (nβ = 1, baseline 0, so each trace is λ̂'s draws).
/// </summary>
public sealed class SamplerVerdictTests(ITestOutputHelper output)
{
    private static SamplingRun Run(double[][] draws) => new(
        new SgldSettings { Chains = draws.Length, Draws = draws[0].Length, BurnIn = 0, StepsBetweenDraws = 1 }, NBeta: 1, SampleSize: 1000,
        ["w"], SampledDimension: 1_000_000, Baseline: new double[draws.Length], draws, draws.Select(d => d.Average()).ToArray(),
        draws.Select(_ => double.NaN).ToArray(), Seconds: 1);

    /// <summary>AR(1) chains around λ̂ = 10, chain <paramref name="shiftedChain"/> moved by <paramref name="offset"/>.</summary>
    private static double[][] Ar1(int chains, int n, double rho, int seed, double offset = 0, int shiftedChain = -1) =>
        SyntheticChains.Ar1(chains, n, rho, seed, offsets: Enumerable.Range(0, chains).Select(c => 10 + (c == shiftedChain ? offset : 0)).ToArray());

    /// <summary>With ρ = 0.95 the draws of 4 chains × 4000 are worth 4·4000·(1 − ρ)/(1 + ρ) ≈ 410 independent ones: the
    /// standard error must be the MCSE sd·√((1 + ρ)/(1 − ρ)/S), 6.2 times the naive sd/√S. The spread of four chain means
    /// estimates the same thing with 3 degrees of freedom; the reported one is the larger, so it is at least the MCSE, and
    /// across 20 seeds its mean lies within 15% of the exact value (the MCSE's own error is a few percent per run).</summary>
    [Fact]
    public void StandardErrorAccountsForAutocorrelation()
    {
        const double rho = 0.95;
        const int chains = 4, n = 4000;
        double exact = Math.Sqrt((1 + rho) / (1 - rho) / (chains * n)), naive = 1 / Math.Sqrt(chains * n);
        var ratios = new List<double>();
        for (int seed = 1; seed <= 20; seed++)
        {
            var r = LocalLearningCoefficient.FromRun(Run(Ar1(chains, n, rho, seed)));
            Assert.True(r.StandardError >= r.Diagnostics.Convergence.McseMean - 1e-15);
            ratios.Add(r.StandardError!.Value / exact);
        }
        output.WriteLine($"se / exact MCSE over 20 seeds: mean {ratios.Average():F3}, min {ratios.Min():F3}, max {ratios.Max():F3}; naive sd/√S is {naive / exact:F3} of it");
        Assert.InRange(ratios.Average(), 0.85, 1.15);
        Assert.True(ratios.Min() > 3 * naive / exact, "a standard error near the naive sd/√S ignores autocorrelation");
    }

    [Fact]
    public void WellMixedChainsAreTrustworthy()
    {
        var d = SamplerDiagnostics.Assess(Run(Ar1(4, 1000, 0.5, seed: 3)));
        output.WriteLine(d.Verdict);
        Assert.Equal(Trust.Trustworthy, d.Trust);
        Assert.InRange(d.RHat, 0.99, 1.01);
        Assert.True(d.Ess >= 400 && d.EssTail >= 400);
    }

    /// <summary>Between 100 and 400 effective draws is "use with care"; below 100, "do not trust" (the thresholds of
    /// <see cref="ConvergenceThresholds"/>). ρ = 0.9 gives ESS ≈ S/19: 4 × 400 draws ≈ 84, 4 × 1500 ≈ 316.</summary>
    [Theory]
    [InlineData(400, Trust.Untrustworthy)]
    [InlineData(1500, Trust.Caution)]
    public void TooFewEffectiveDrawsAreFlagged(int draws, Trust expected)
    {
        var d = SamplerDiagnostics.Assess(Run(Ar1(4, draws, 0.9, seed: 5)));
        output.WriteLine($"{draws} draws: bulk-ESS {d.Ess:F0}, tail-ESS {d.EssTail:F0}, R̂ {d.RHat:F4}: {d.Verdict}");
        Assert.Equal(expected, d.Trust);
        Assert.Contains("ESS", d.Verdict);
    }

    /// <summary>One chain of four shifted by δ sd makes the chain means' variance about δ²/4, so R̂ ≈ √(1 + δ²/4) on long
    /// independent chains: δ = 0.4 gives about 1.02 (caution), δ = 1 about 1.1 (do not trust). The classic split-R̂
    /// thresholds (caution from 1.05) would have passed the first.</summary>
    [Theory]
    [InlineData(0.4, Trust.Caution)]
    [InlineData(1.0, Trust.Untrustworthy)]
    public void ChainsThatDisagreeAreFlaggedByTheRankNormalizedRHat(double shift, Trust expected)
    {
        var d = SamplerDiagnostics.Assess(Run(Ar1(4, 2000, 0.0, seed: 7, offset: shift, shiftedChain: 0)));
        output.WriteLine($"shift {shift}: R̂ {d.RHat:F4}, classic split-R̂ {ConvergenceDiagnostics.SplitRHat(Ar1(4, 2000, 0.0, seed: 7, offset: shift, shiftedChain: 0)):F4}: {d.Verdict}");
        Assert.Equal(expected, d.Trust);
        Assert.Contains("R̂", d.Verdict);
    }
}
