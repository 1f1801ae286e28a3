using Slt.Diagnostics;
using Slt.Estimators;
using Slt.GroundTruth;
using Slt.Platform;
using Slt.Sampling;
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

    [Fact]
    public void RmsPropPreconditionedSgldStaysNearExactValueOnAQuadratic()
    {
        TorchRuntime.Initialize();
        var potential = NormalCrossingPotential.Parse("0,1");
        var settings = GroundTruthCases.PotentialSettings(potential, 1000, chains: 64) with { RmsPropDecay = 0.999, StepSize = 1e-3 };
        var result = LocalLearningCoefficient.Estimate(new PotentialTarget(potential), settings);
        output.WriteLine($"pSGLD: λ̂ = {result.Mean:F4} ± {result.StandardError:F4} (exact 0.5); MALA {result.Diagnostics.MalaAcceptance} (not tracked)");
        Assert.True(double.IsNaN(result.Diagnostics.MalaAcceptance));
        Assert.True(Math.Abs(result.Mean!.Value - 0.5) <= 0.1 * 0.5, $"λ̂ = {result.Mean:F4}");
    }

    [Fact]
    public void UnknownParameterNameIsAClearError()
    {
        TorchRuntime.Initialize();
        var target = new PotentialTarget(NormalCrossingPotential.Parse("1,1"));
        var e = Assert.Throws<ArgumentException>(() => Sgld.Run(target, new SgldSettings { SampledParameters = ["w3"], NBeta = 10 }));
        Assert.Contains("w3", e.Message);
        Assert.Contains("w1, w2", e.Message);
    }

    [Fact]
    public void SameSeedGivesSameNumbersAndOtherSeedDiffers()
    {
        TorchRuntime.Initialize();
        var target = new PotentialTarget(NormalCrossingPotential.Parse("1,1"));
        var s = new SgldSettings { NBeta = 100, StepSize = 1e-3, Chains = 3, BurnIn = 50, Draws = 20, Box = PriorBox.Symmetric(1), Seed = 4 };
        var a = LocalLearningCoefficient.Estimate(target, s).PerChain;
        var b = LocalLearningCoefficient.Estimate(target, s).PerChain;
        var c = LocalLearningCoefficient.Estimate(target, s with { Seed = 5 }).PerChain;
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void ReflectionKeepsChainsInTheBox()
    {
        TorchRuntime.Initialize();
        var w = TorchSharp.torch.tensor(new[] { -3.5, -1.2, 0.3, 1.0, 1.7, 4.2 });
        Sgld.Reflect(w, PriorBox.Symmetric(1));
        Assert.Equal(new[] { 0.5, -0.8, 0.3, 1.0, 0.3, 0.2 }, w.data<double>().ToArray().Select(x => Math.Round(x, 12)));
    }

    [Fact]
    public void InvalidSettingsNameTheParameter()
    {
        Assert.Equal("StepSize", Assert.Throws<ArgumentOutOfRangeException>(() => new SgldSettings { StepSize = -1 }).ParamName);
        Assert.Equal("NBeta", Assert.Throws<ArgumentOutOfRangeException>(() => new SgldSettings { NBeta = 0 }).ParamName);
        Assert.Equal("Localization", Assert.Throws<ArgumentOutOfRangeException>(() => new SgldSettings { Localization = double.NaN }).ParamName);
        Assert.Equal("Chains", Assert.Throws<ArgumentOutOfRangeException>(() => new SgldSettings { Chains = 0 }).ParamName);
    }
}
