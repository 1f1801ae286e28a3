using Slt.Platform;
using Slt.Sampling;
using Slt.Transitions;
using Xunit.Abstractions;

namespace Slt.Tests.Transitions;

/// <summary>
/// The susceptibility χ = dE_h[φ]/dh = −nβ Cov_0[φ, L_{q'} − L_q]: the closed-form Gaussian case (derivative, covariance
/// form and finite difference agree; SGLD through the sampler's draw observables meets the exact χ within standard
/// errors over seeds, and the wrong variants — sign, nβ, covariance with L_{q'} — are rejected), and the transformer
/// pipeline's invariances on a tiny model.
/// </summary>
public sealed class SusceptibilityTests(ITestOutputHelper output)
{
    [Fact]
    public void DerivativeCovarianceFormAndFiniteDifferenceAgree()
    {
        var g = GaussianShift.Default;
        foreach (var block in new int[]?[] { null, [0], [1, 2] })
        {
            double exact = g.ExactSusceptibility(block);
            Assert.Equal(exact, g.ExactCovarianceForm(block), 10);
            Assert.Equal(exact, g.FiniteDifference(1e-4, block), 6);
            output.WriteLine($"block {(block is null ? "all" : string.Join(",", block))}: χ = {exact:F6}, covariance form {g.ExactCovarianceForm(block):F6}, finite difference {g.FiniteDifference(1e-4, block):F6}");
        }
        // Coordinates are independent: a block's χ is the sum of its coordinates', and the blocks add up to the whole.
        Assert.Equal(g.ExactSusceptibility(), g.ExactSusceptibility([0]) + g.ExactSusceptibility([1, 2]), 12);
        Assert.Throws<ArgumentException>(() => g.ExactSusceptibility([3]));
        Assert.Throws<ArgumentException>(() => g.ExactSusceptibility([1, 1]));
        Assert.Throws<ArgumentException>(() => new GaussianShift(10, 4, [0], [1, 2], [0], [1], [0]));
        Assert.Throws<ArgumentException>(() => new GaussianShift(10, 4, [0], [-1], [0], [1], [0]));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(new[] { 1, 2 })]
    public void SgldEstimateMeetsTheExactSusceptibility(int[]? block)
    {
        TorchRuntime.Initialize(1);
        var check = GaussianSusceptibilityCheck.Run(seeds: 3, block: block);
        foreach (var s in check.Seeds)
            output.WriteLine($"seed {s.Seed}: χ̂ = {s.Estimate.Chi:F5} ± {s.Estimate.StandardError:F5} (z = {s.Estimate.ZScore(check.Exact):F2}); without nβ {s.WithoutNBeta:F5}, against L_q' {s.AgainstShiftedLoss:F5}; {s.Seconds:F1} s");
        output.WriteLine($"exact χ = {check.Exact:F5}; mean χ̂ = {check.MeanEstimate:F5} ± {check.MeanStandardError:F5}, z = {check.ZScore:F2}");
        foreach (var s in check.Seeds)
        {
            Assert.True(Math.Abs(s.Estimate.ZScore(check.Exact)) < 3.5, $"seed {s.Seed}: z = {s.Estimate.ZScore(check.Exact):F2}");
            // The test's power: each wrong variant is many standard errors away.
            Assert.True(Math.Abs(-s.Estimate.Chi - check.Exact) > 6 * s.Estimate.StandardError, "a flipped sign would pass");
            Assert.True(Math.Abs(s.WithoutNBeta - check.Exact) > 6 * s.Estimate.StandardError, "a missing nβ would pass");
            Assert.True(Math.Abs(s.AgainstShiftedLoss - check.Exact) > 6 * s.Estimate.StandardError, "Cov[φ, L_q'] would pass");
        }
        Assert.True(Math.Abs(check.ZScore) < 3, $"mean z = {check.ZScore:F2}");
    }

    [Fact]
    public void EstimatorIsMinusNBetaTimesTheCovariance()
    {
        // Two chains of 4 draws: φ = (1, 2, 3, 4), (2, 2, 2, 2); ΔL = φ. Pooled mean 2.25; Σ(φ − φ̄)² = 5.5; Cov = 5.5 / 7.
        double[][] phi = [[1, 2, 3, 4], [2, 2, 2, 2]];
        var v = SusceptibilityEstimator.Estimate(3, phi, phi, batchesPerChain: 2);
        Assert.Equal(-3 * 5.5 / 7, v.Chi, 12);
        Assert.Equal(4, v.Batches);
        Assert.True(v.StandardError > 0);
        Assert.Equal(0.0, SusceptibilityEstimator.Estimate(3, phi, [[0, 0, 0, 0], [0, 0, 0, 0]], 2).Chi);
        Assert.Throws<ArgumentException>(() => SusceptibilityEstimator.Estimate(3, phi, [[1, 2, 3]], 2));
        Assert.Throws<ArgumentException>(() => SusceptibilityEstimator.Estimate(0, phi, phi, 2));
        Assert.Throws<ArgumentException>(() => SusceptibilityEstimator.Estimate(3, phi, phi, 5));
        Assert.Throws<ArgumentException>(() => SusceptibilityEstimator.Estimate(3, [[1, double.NaN, 3, 4]], [[1, 2, 3, 4]], 2));
    }
}
