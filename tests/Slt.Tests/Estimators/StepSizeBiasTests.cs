using Slt.Diagnostics;
using Slt.Estimators;
using Slt.GroundTruth;
using Slt.Platform;
using Slt.Sampling;
using Xunit.Abstractions;

namespace Slt.Tests.Estimators;

/// <summary>
/// The step-size bias measured by a second run at ε/2, on ground truth the other tests do not use: the potential w₁²w₂⁴ at
/// t = 3000 (exact E_t[tK] by quadrature) and the linear network [6,2,6] on its population loss (Aoyagi's λ = 5.5, m = 1).
/// </summary>
[Collection(SamplingCollection.Name)]
public sealed class StepSizeBiasTests(ITestOutputHelper output)
{
    private const double T = 3000;

    private static (PotentialTarget Target, SgldSettings Settings, KnownTruth Truth) Potential()
    {
        var potential = NormalCrossingPotential.Parse("1,2");
        var coefficient = potential.LearningCoefficient();
        var truth = new KnownTruth(coefficient?.Lambda, coefficient?.Multiplicity, PotentialQuadrature.At(potential, T).ExpectedTK);
        return (new PotentialTarget(potential), GroundTruthCases.PotentialSettings(potential, T, chains: 128, seed: 3), truth);
    }

    /// <summary>From a good step to one far too large: wherever the raw λ̂(ε) is off the exact value by more than its
    /// standard error, the extrapolation 2λ̂(ε/2) − λ̂(ε) is closer to it; and the verdict at ε leaves "Trustworthy" once the
    /// measured bias exceeds one se + 5%.</summary>
    [Theory]
    [InlineData("potential")]
    [InlineData("network")]
    public void ExtrapolationIsCloserToTheTruthWheneverTheRawEstimateIsOff(string model)
    {
        TorchRuntime.Initialize();
        ITemperedTarget target;
        SgldSettings settings;
        KnownTruth truth;
        double[] steps;
        if (model == "potential")
        {
            (target, settings, truth) = Potential();
            steps = [settings.StepSize, 4 * settings.StepSize, 16 * settings.StepSize];
        }
        else
        {
            var network = new DeepLinearNetworkTarget([6, 2, 6], 0, 10_000, seed: 4, LossSource.Population);
            target = network;
            truth = new KnownTruth(network.TrueCoefficient.Lambda, network.TrueCoefficient.Multiplicity, null);
            settings = new SgldSettings { Localization = 1, Chains = 8, BurnIn = 20_000, Draws = 200, StepsBetweenDraws = 100, Seed = 4, StepSize = 2e-5 };
            steps = [2e-5, 1e-4, 4e-4];
        }
        double reference = truth.FiniteT ?? truth.Lambda!.Value;
        int off = 0;
        foreach (double eps in steps)
        {
            var b = StepSizeBias.Estimate(target, StepSizeSearch.AtLangevinTimeOf(settings, settings.StepSize, eps), truth);
            output.WriteLine($"ε = {eps:G3}: λ̂ {b.AtStep.Mean:F4} ± {b.AtStep.StandardError:F4}, at ε/2 {b.AtHalfStep.Mean:F4}, extrapolated {b.Extrapolated:F4} ± {b.ExtrapolatedStandardError:F4}, " +
                             $"bias {b.Bias:F4} ± {b.BiasStandardError:F4} (allowed {b.Allowed:F4}); truth {reference:F4}; {b.AtStep.Diagnostics.Trust}");
            Assert.NotNull(b.Extrapolated);
            double rawError = Math.Abs(b.AtStep.Mean!.Value - reference);
            if (rawError > b.AtStep.StandardError!.Value)
            {
                off++;
                Assert.True(Math.Abs(b.Extrapolated!.Value - reference) < rawError, $"ε = {eps:G3}: extrapolated {b.Extrapolated:F4} is no closer to {reference:F4} than {b.AtStep.Mean:F4}");
            }
            if (!b.WithinTolerance) Assert.NotEqual(Trust.Trustworthy, b.AtStep.Diagnostics.Trust);
        }
        Assert.True(off >= 1, "no step size was off by more than its standard error: the grid does not reach a biased step");
        (target as IDisposable)?.Dispose();
    }

    /// <summary>The search starts far too large (ε = 64 × the validated step), comes down, and returns a step whose bias
    /// passed; the estimate there lies within the tolerance (5%) plus three standard errors of the exact value.</summary>
    [Fact]
    public void AutoFindsAStepWhoseEstimateIsWithinToleranceOfTheTruth()
    {
        TorchRuntime.Initialize();
        var (target, settings, truth) = Potential();
        var search = StepSizeSearch.Run(target, settings with { StepSize = 64 * settings.StepSize }, truth);
        output.WriteLine(search.Summary);
        output.WriteLine($"{search.TotalSteps} steps per chain in all, {search.Seconds:F1} s");
        Assert.NotNull(search.Chosen);
        Assert.True(search.Chosen!.WithinTolerance);
        Assert.True(search.Tried.Count >= 2, "a start 64 times too large must be corrected");
        var r = search.Result;
        double exact = truth.FiniteT!.Value;
        Assert.True(Math.Abs(r.Mean!.Value - exact) <= 0.05 * exact + 3 * r.StandardError!.Value, $"λ̂ {r.Mean:F4} ± {r.StandardError:F4} at ε = {search.Chosen.StepSize:G3}, exact {exact:F4}");
    }

    [Fact]
    public void CombineRefusesRunsThatAreNotAtHalfTheStep()
    {
        TorchRuntime.Initialize();
        var (target, settings, truth) = Potential();
        var quick = settings with { Chains = 4, BurnIn = 10, Draws = 4, StepsBetweenDraws = 1 };
        var a = LocalLearningCoefficient.Estimate(target, quick, truth);
        var b = LocalLearningCoefficient.Estimate(target, quick with { StepSize = quick.StepSize / 3 }, truth);
        Assert.Throws<ArgumentException>(() => StepSizeBias.Combine(a, b));
        Assert.Throws<ArgumentOutOfRangeException>(() => StepSizeBias.Estimate(target, quick, truth, tolerance: 0));
    }
}
