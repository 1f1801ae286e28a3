using Slt.Estimators;
using Slt.GroundTruth;
using Slt.Platform;
using Xunit.Abstractions;

namespace Slt.Tests.Estimators;

/// <summary>
/// The stated finite-nβ shortfall on linear networks the other tests do not use, on the population loss (no sample
/// fluctuation): with m = 1 there is none, with m = 3 a Trustworthy estimate sits well below λ, at least as far as the
/// stated leading term (m − 1)/log nβ.
/// </summary>
[Collection(SamplingCollection.Name)]
public sealed class ShortfallOnNetworksTests(ITestOutputHelper output)
{
    [Fact]
    public void MultiplicityOneHasNoShortfall()
    {
        // [4,2,4]: λ = 3.5, m = 1; ε = 5e-6 (a quarter of the validated step) so that the step's own bias is below the se.
        TorchRuntime.Initialize();
        int[] widths = [4, 2, 4];
        using var target = new DeepLinearNetworkTarget(widths, 0, 100_000, seed: 1, LossSource.Population);
        var settings = GroundTruthCases.DeepLinearSettings(widths) with { StepSize = 5e-6, BurnIn = 80_000, StepsBetweenDraws = 400 };
        var truth = target.TrueCoefficient;
        var r = LocalLearningCoefficient.Estimate(target, settings, new KnownTruth(truth.Lambda, truth.Multiplicity, null));
        output.WriteLine($"λ̂ = {r.Mean:F3} ± {r.StandardError:F3}, λ = {truth.Lambda}, m = {truth.Multiplicity}; {r.Diagnostics.Verdict}; {r.Shortfall!.Statement}");
        Assert.Equal(1, truth.Multiplicity);
        Assert.Equal(0, r.Shortfall.Raw);
        Assert.True(Math.Abs(r.Mean!.Value - truth.Lambda) <= 3 * r.StandardError!.Value, $"λ̂ = {r.Mean:F3} ± {r.StandardError:F3} vs λ = {truth.Lambda}");
    }

    [Fact]
    public void MultiplicityThreeSitsBelowLambdaByAtLeastTheStatedTerm()
    {
        // [3,3,4,3]: λ = 3.5, m = 3 (Aoyagi); the validated settings of a three-layer network.
        TorchRuntime.Initialize();
        int[] widths = [3, 3, 4, 3];
        using var target = new DeepLinearNetworkTarget(widths, 0, 100_000, seed: 1, LossSource.Population);
        var truth = target.TrueCoefficient;
        var r = LocalLearningCoefficient.Estimate(target, GroundTruthCases.DeepLinearSettings(widths), new KnownTruth(truth.Lambda, truth.Multiplicity, null));
        var shortfall = r.Shortfall!;
        output.WriteLine($"λ̂ = {r.Mean:F3} ± {r.StandardError:F3}, λ = {truth.Lambda}, expected ≈ {shortfall.ExpectedRaw:F3}; {r.Diagnostics.Verdict}; {shortfall.Statement}");
        Assert.Equal(3, truth.Multiplicity);
        Assert.Equal(2 / Math.Log(r.NBeta), shortfall.MultiplicityTerm, 12);
        double mean = r.Mean!.Value, se = r.StandardError!.Value;
        Assert.True(mean + 3 * se < truth.Lambda, $"λ̂ = {mean:F3} ± {se:F3} is not below λ = {truth.Lambda}: the shortfall the result states is not there");
        Assert.True(mean <= shortfall.ExpectedRaw + 3 * se, $"λ̂ = {mean:F3} ± {se:F3} lies above λ − (m − 1)/log nβ = {shortfall.ExpectedRaw:F3}: the statement overstates it");
    }
}
