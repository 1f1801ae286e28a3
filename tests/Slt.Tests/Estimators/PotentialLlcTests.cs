using Slt.Diagnostics;
using Slt.Estimators;
using Slt.GroundTruth;
using Slt.Platform;
using Xunit.Abstractions;

namespace Slt.Tests.Estimators;

[Collection(SamplingCollection.Name)]
public sealed class PotentialLlcTests(ITestOutputHelper output)
{
    public static TheoryData<string, double> TableRows()
    {
        var data = new TheoryData<string, double>();
        foreach (var terms in GroundTruthCases.PotentialTerms)
            foreach (var t in new[] { 1000.0, 10000.0 }) data.Add(terms, t);
        return data;
    }

    [Theory]
    [MemberData(nameof(TableRows))]
    public void SgldMatchesExactFiniteTemperatureValue(string terms, double t)
    {
        TorchRuntime.Initialize();
        var result = GroundTruthCases.EstimatePotential(terms, t);
        double exact = result.Truth!.FiniteT!.Value;
        output.WriteLine($"{terms} t={t}: λ̂ = {result.Mean:F4} ± {result.StandardError:F4}, exact E_t[tK] = {exact:F4}, " +
                         $"rel {result.RelativeError:P2}, {result.Run.Seconds:F1}s; {result.Diagnostics.Verdict}");
        Assert.NotNull(result.Mean);
        Assert.True(Math.Abs(result.Mean!.Value - exact) <= 0.05 * exact, $"λ̂ = {result.Mean:F4}, E_t[tK] = {exact:F4}");
        Assert.NotEqual(Trust.Divergent, result.Diagnostics.Trust);
    }

    [Fact]
    public void WeightRestrictedEstimatesAddUpForDisjointSum()
    {
        TorchRuntime.Initialize();
        var potential = NormalCrossingPotential.Parse("1,0;0,2");
        var target = new PotentialTarget(potential);
        var settings = GroundTruthCases.PotentialSettings(potential, 1000);
        double full = LocalLearningCoefficient.Estimate(target, settings).Mean!.Value;
        double w1 = LocalLearningCoefficient.Estimate(target, settings with { SampledParameters = ["w1"] }).Mean!.Value;
        double w2 = LocalLearningCoefficient.Estimate(target, settings with { SampledParameters = ["w2"] }).Mean!.Value;
        output.WriteLine($"full {full:F4}, w1 only {w1:F4}, w2 only {w2:F4}, sum {w1 + w2:F4}");
        Assert.True(Math.Abs(full - (w1 + w2)) <= 0.05 * full, $"full {full:F4} vs sum {w1 + w2:F4}");
        Assert.True(Math.Abs(w1 - 0.5) < 0.05 && Math.Abs(w2 - 0.25) < 0.025, $"w1 {w1:F4} (λ 1/2), w2 {w2:F4} (λ 1/4)");
    }
}
