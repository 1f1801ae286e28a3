using Slt.GroundTruth;
using Slt.Platform;
using Slt.Sampling;
using Xunit.Abstractions;

namespace Slt.Tests.Estimators;

/// <summary>
/// The fluctuation correction in expectation over data sets. One sample cannot decide it: its own fluctuation is as large as
/// the correction. Over 20 data seeds the mean moves by the across-seed standard error only, so (at n = 10⁴, β = 1/log n
/// ≈ 0.109, a correction of about 11%) a coefficient c in λ̂ + c·βν̂ off by more than about 15% fails.
/// </summary>
[Collection(SamplingCollection.Name)]
public sealed class SeedAveragedCorrectionTests(ITestOutputHelper output)
{
    private const long N = 10_000;
    private const double Sigmas = 3;

    private static SeedAveragedCorrection Study(int[] widths, OptimumKind optimum = OptimumKind.TrueParameter)
    {
        bool regular = widths.Length == 2;
        var seeds = Enumerable.Range(1, regular ? 60 : 20).Select(i => (long)i).ToArray();
        return SeedAveragedCorrection.Run(widths, N, seeds, Settings(widths), chainsPerSample: regular ? 2 : 4, optimum: optimum);
    }

    /// <summary>Settings: ε·nβ small enough that SGLD's own step bias stays well below the across-seed standard error.</summary>
    private static SgldSettings Settings(IReadOnlyList<int> widths) => widths.Count == 2
        ? new() { StepSize = 1e-5, Localization = 1, BurnIn = 5_000, Draws = 200, StepsBetweenDraws = 50 }
        : new() { StepSize = 2e-5, Localization = 1, BurnIn = 40_000, Draws = 400, StepsBetweenDraws = 100 };

    /// <summary>At a true parameter (the teacher): the mean raw λ̂ sits significantly below λ (the bias exists) and the mean of
    /// λ̂ + βν̂ equals λ within <see cref="Sigmas"/> across-seed standard errors, on one regular and two singular networks
    /// (multiplicity 1, so no finite-nβ shortfall of the (m − 1)/log nβ kind enters).</summary>
    [Theory]
    [InlineData(new[] { 3, 3 })]
    [InlineData(new[] { 4, 2, 4 })]
    [InlineData(new[] { 5, 2, 5 })]
    public void AtTheTeacherTheCorrectedMeanIsLambdaAndTheRawMeanIsBelowIt(int[] widths)
    {
        TorchRuntime.Initialize();
        var study = Study(widths);
        output.WriteLine(study.ToString());
        var (raw, rawSe) = study.RawMean;
        var (corrected, correctedSe) = study.CorrectedMean;
        output.WriteLine($"power: c in λ̂ + c·βν̂ is pinned to ±{Sigmas * correctedSe / study.FluctuationMean.Mean:P0}");
        Assert.True(Math.Abs(corrected - study.Lambda) <= Sigmas * correctedSe,
            $"mean λ̂ + βν̂ = {corrected:F4} ± {correctedSe:F4} against λ = {study.Lambda}");
        Assert.True(study.Lambda - raw > Sigmas * rawSe, $"mean raw λ̂ = {raw:F4} ± {rawSe:F4} is not below λ = {study.Lambda}: no bias to correct");
    }

    /// <summary>At a point fitted to the sample (the least-squares estimate of regular regression): the mean raw λ̂ equals λ
    /// within <see cref="Sigmas"/> standard errors, and adding βν̂ would over-correct by significantly more than that; the
    /// library therefore makes no correction there.</summary>
    [Fact]
    public void AtAFittedPointTheRawMeanIsLambdaAndTheCorrectionWouldOvercorrect()
    {
        TorchRuntime.Initialize();
        int[] widths = [3, 3];
        var study = Study(widths, OptimumKind.FittedToSample);
        output.WriteLine(study.ToString());
        var (raw, rawSe) = study.RawMean;
        var (corrected, correctedSe) = study.CorrectedMean;
        Assert.True(Math.Abs(raw - study.Lambda) <= Sigmas * rawSe, $"mean raw λ̂ = {raw:F4} ± {rawSe:F4} against λ = {study.Lambda}");
        Assert.True(corrected - study.Lambda > Sigmas * correctedSe, $"mean λ̂ + βν̂ = {corrected:F4} ± {correctedSe:F4} does not over-correct");
        using var target = new DeepLinearNetworkTarget(widths, 0, N, 1, optimum: OptimumKind.FittedToSample);
        var one = Slt.Estimators.LocalLearningCoefficient.Estimate(target, Settings(widths) with { Chains = 2, BurnIn = 100, Draws = 10, StepsBetweenDraws = 5 });
        Assert.NotNull(one.Run.FunctionalVariance);
        Assert.Null(one.Correction);
    }
}
