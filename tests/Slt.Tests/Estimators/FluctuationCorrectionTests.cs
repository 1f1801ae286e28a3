using Slt.Estimators;
using Slt.GroundTruth;
using Slt.Platform;
using Xunit.Abstractions;

namespace Slt.Tests.Estimators;

[Collection(SamplingCollection.Name)]
public sealed class FluctuationCorrectionTests(ITestOutputHelper output)
{
    [Fact]
    public void CorrectionAddsBetaTimesHalfBetaTimesTheFunctionalVariance()
    {
        // nβ = 10, n = 100: β = 0.1, ν̂ = βV/2 = (5, 10), λ̂ + βν̂ = (1.5, 3).
        var c = FluctuationCorrection.From([1, 2], [100, 200], nBeta: 10, sampleSize: 100)!;
        Assert.Equal(0.1, c.Beta, 12);
        Assert.Equal([5.0, 10.0], c.SingularFluctuation.Select(v => Math.Round(v, 12)));
        Assert.Equal([1.5, 3.0], c.PerChain.Select(v => Math.Round(v, 12)));
        Assert.Equal(2.25, c.Mean, 12);
        Assert.Equal(0.75, c.StandardError, 12);
    }

    [Fact]
    public void MismatchedLengthsAndNonFiniteValuesAreRefused()
    {
        Assert.Throws<ArgumentException>(() => FluctuationCorrection.From([1, 2], [1], 10, 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => FluctuationCorrection.From([1], [1], 10, 0));
        Assert.Null(FluctuationCorrection.From([1, double.NaN], [1, 1], 10, 100));
    }

    /// <summary>
    /// Regular linear regression y = Bx (5×5, truth B = 0) is the one case where both sides are known exactly: the
    /// singular fluctuation equals d/2 = λ = 12.5, the raw λ̂ on a sample is biased low by about βν (8.7% at n = 100000),
    /// and λ̂ + βν̂ is not.
    /// </summary>
    [Fact]
    public void RegularModelHasSingularFluctuationHalfTheDimensionAndTheCorrectionRemovesTheBias()
    {
        TorchRuntime.Initialize();
        var r = GroundTruthCases.EstimateDeepLinear([5, 5], rank: 0, n: 100_000);
        var c = r.Correction!;
        output.WriteLine($"raw λ̂ = {r.Mean:F3} ± {r.StandardError:F3}, ν̂ = {c.MeanSingularFluctuation:F3}, λ̂ + βν̂ = {c.Mean:F3} ± {c.StandardError:F3}, " +
                         $"β = {c.Beta:F4}; {r.Diagnostics.Verdict}; {r.Run.Seconds:F1}s");
        Assert.Equal(12.5, r.Truth!.Lambda);
        Assert.True(Math.Abs(c.MeanSingularFluctuation - 12.5) <= 0.10 * 12.5, $"ν̂ = {c.MeanSingularFluctuation:F3}, d/2 = 12.5");
        Assert.True(Math.Abs(c.Mean - 12.5) <= 0.05 * 12.5, $"λ̂ + βν̂ = {c.Mean:F3}");
        Assert.True(r.Mean!.Value < 12.5 * (1 - 0.04), $"raw λ̂ = {r.Mean:F3}: the finite-n bias the correction exists for is not there");
    }

    [Fact]
    public void TargetsWithoutASampleCarryNoCorrection()
    {
        TorchRuntime.Initialize();
        var potential = GroundTruthCases.EstimatePotential("1,1", 100, chains: 8);
        Assert.Null(potential.Run.FunctionalVariance);
        Assert.Null(potential.Correction);
        using var population = new DeepLinearNetworkTarget([3, 2, 3], 0, 1000, source: LossSource.Population);
        var r = LocalLearningCoefficient.Estimate(population, GroundTruthCases.DeepLinearSettings([3, 2, 3], chains: 2) with
            { BurnIn = 10, Draws = 5, StepsBetweenDraws = 1 });
        Assert.Null(r.Correction);
    }
}
