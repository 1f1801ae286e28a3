using Slt.Diagnostics;
using Slt.Estimators;
using Slt.GroundTruth;
using Slt.Platform;
using Slt.Sampling;
using Xunit.Abstractions;

namespace Slt.Tests.Diagnostics;

/// <summary>
/// Verdicts that a wrong number cannot pass: estimates outside 0 ≤ λ ≤ d/2 are "Do not trust", and a larger step than
/// one already judged "Do not trust" never comes out milder.
/// </summary>
[Collection(Slt.Tests.Estimators.SamplingCollection.Name)]
public sealed class VerdictBoundsTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1.2, 0.01, 2, true)]    // above d/2 = 1 by 20 se
    [InlineData(1.02, 0.01, 2, false)]  // above d/2 by 2 se: sampling noise
    [InlineData(1.04, 0.01, 2, true)]   // by 4 se
    [InlineData(-0.05, 0.01, 2, true)]  // below 0 by 5 se
    [InlineData(-0.02, 0.01, 2, false)]
    [InlineData(12.6, double.NaN, 25, true)] // one chain: no slack
    [InlineData(12.4, double.NaN, 25, false)]
    public void LearningCoefficientOutsideZeroToHalfTheDimensionIsFlagged(double estimate, double se, long d, bool flagged)
    {
        var flag = EstimateBounds.CheckLearningCoefficient(estimate, se, d);
        Assert.Equal(flagged, flag is not null);
        if (flag is not null)
        {
            Assert.Equal(Trust.Untrustworthy, flag.Level);
            Assert.Contains(estimate > 0 ? "d/2" : "below 0", flag.Reason);
        }
    }

    [Fact]
    public void FreeEnergyPathMustNotRiseAndEstimatesMustLieBetweenItsEnds()
    {
        double[] betas = [0.01, 0.1, 1];
        double[] se = [0.1, 0.1, 0.1];
        Assert.Empty(EstimateBounds.CheckFreeEnergyPath(betas, [10, 5, 2], se, [("F", 4, 0.1)]));
        var rise = EstimateBounds.CheckFreeEnergyPath(betas, [10, 5, 7], se, [("F", 4, 0.1)]);
        Assert.Contains(rise, f => f.Reason.Contains("rises"));
        Assert.Contains(EstimateBounds.CheckFreeEnergyPath(betas, [10, 5, 2], se, [("F", 11, 0.1)]), f => f.Reason.Contains("prior mean"));
        Assert.Contains(EstimateBounds.CheckFreeEnergyPath(betas, [10, 5, 2], se, [("WBIC", 1, 0.1)]), f => f.Reason.Contains("below"));
        Assert.Throws<ArgumentException>(() => EstimateBounds.CheckFreeEnergyPath([1, 0.1], [1, 2], [0.1, 0.1], []));
    }

    [Fact]
    public void AbsurdStepInABoxIsDoNotTrustNotUseWithCare()
    {
        // The case: ε = 5 on w₁²w₂² in [−1,1]², exact E_t[tK] = 0.387; today's code printed λ̂ ≈ 111 as "Use with care".
        TorchRuntime.Initialize();
        var potential = NormalCrossingPotential.Parse("1,1");
        var settings = GroundTruthCases.PotentialSettings(potential, 1000, chains: 32) with { StepSize = 5 };
        var r = LocalLearningCoefficient.Estimate(new PotentialTarget(potential), settings);
        output.WriteLine($"λ̂ = {r.Mean:F3}; MALA {r.Diagnostics.MalaAcceptance:F3}; {r.Diagnostics.Verdict}");
        Assert.Equal(Trust.Untrustworthy, r.Diagnostics.Trust);
        Assert.Contains("d/2", r.Diagnostics.Verdict);
        Assert.Contains("MALA acceptance", r.Diagnostics.Verdict);
    }

    public static TheoryData<string> Cases() => new() { "box", "no box", "network" };

    [Theory]
    [MemberData(nameof(Cases))]
    public void VerdictNeverImprovesAsTheStepGrowsPastDoNotTrust(string which)
    {
        TorchRuntime.Initialize();
        var (target, baseSettings, grid) = Grid(which);
        var levels = new List<Trust>();
        foreach (double eps in grid)
        {
            var r = LocalLearningCoefficient.Estimate(target, baseSettings with { StepSize = eps });
            levels.Add(r.Diagnostics.Trust);
            output.WriteLine($"{which} ε = {eps:G3}: λ̂ = {r.Mean:F4} ± {r.StandardError:F4}, MALA {r.Diagnostics.MalaAcceptance:F3}, " +
                             $"R̂ {r.Diagnostics.RHat:F3} → {r.Diagnostics.Trust}");
        }
        (target as IDisposable)?.Dispose();
        // Not vacuous: the validated step is usable and the largest is not.
        Assert.True(levels[0] <= Trust.Caution, $"the validated ε was judged {levels[0]}");
        Assert.True(levels[^1] >= Trust.Untrustworthy, $"the absurd ε was judged {levels[^1]}");
        int first = levels.FindIndex(l => l >= Trust.Untrustworthy);
        for (int k = first; k < levels.Count; k++)
            Assert.True(levels[k] >= Trust.Untrustworthy, $"ε = {grid[k]:G3} judged {levels[k]} after ε = {grid[first]:G3} was judged {levels[first]}");
    }

    private static (ITemperedTarget Target, SgldSettings Settings, double[] Grid) Grid(string which)
    {
        switch (which)
        {
            case "box":
            {
                var potential = NormalCrossingPotential.Parse("1,1");
                return (new PotentialTarget(potential), GroundTruthCases.PotentialSettings(potential, 1000, chains: 32),
                    [1e-4, 1e-3, 1e-2, 5e-2, 0.5, 5]);
            }
            case "no box":
            {
                var potential = NormalCrossingPotential.Parse("1,0;0,2");
                return (new PotentialTarget(potential), GroundTruthCases.PotentialSettings(potential, 1000, chains: 32) with { Box = null },
                    [1e-4, 1e-3, 3e-3, 1e-2, 0.5]);
            }
            default:
            {
                // Short runs on the population loss (no sample needed for a verdict's monotonicity): at ε = 1e-4 MALA ≈ 0.90,
                // at 1e-3 ≈ 0.68, at 1e-2 the chains diverge.
                int[] widths = [5, 3, 5];
                var settings = GroundTruthCases.DeepLinearSettings(widths) with { BurnIn = 2000, Draws = 50, StepsBetweenDraws = 20 };
                return (new DeepLinearNetworkTarget(widths, 0, 100_000, source: LossSource.Population), settings, [1e-4, 1e-3, 1e-2]);
            }
        }
    }
}
