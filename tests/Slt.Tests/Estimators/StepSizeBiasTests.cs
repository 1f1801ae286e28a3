using Slt.Diagnostics;
using Slt.Estimators;
using Slt.GroundTruth;
using Slt.Platform;
using Slt.Sampling;
using Xunit.Abstractions;

namespace Slt.Tests.Estimators;

/// <summary>
/// The step-size bias measured by a second run at ε/2, on ground truth the other tests do not use: the potential w₁²w₂⁴ at
/// t = 3000 (exact E_t[tK] by quadrature) and linear regression [3,3] on its population loss, whose tempered, localized
/// posterior is Gaussian: λ̂ has the exact value (d/2)·nβ/(nβ + γ) at any nβ (a singular network's population loss has
/// no exact finite-nβ value to compare with).
/// </summary>
[Collection(SamplingCollection.Name)]
public sealed class StepSizeBiasTests(ITestOutputHelper output)
{
    private const double T = 3000;

    /// <summary>A raw estimate counts as off the truth when more than this many standard errors away. At one standard error
    /// the comparison is decided by noise: where the step's own bias is about one se (the validated steps), λ̂(ε/2) lands near
    /// the truth by chance about as often as not, and 2λ̂(ε/2) − λ̂(ε) then overshoots by as much as λ̂(ε) was off.</summary>
    private const double Sigmas = 3;

    private static (PotentialTarget Target, SgldSettings Settings, KnownTruth Truth) Potential()
    {
        var potential = NormalCrossingPotential.Parse("1,2");
        var coefficient = potential.LearningCoefficient();
        var truth = new KnownTruth(coefficient?.Lambda, coefficient?.Multiplicity, PotentialQuadrature.At(potential, T).ExpectedTK);
        return (new PotentialTarget(potential), GroundTruthCases.PotentialSettings(potential, T, chains: 1024, seed: 3), truth);
    }

    /// <summary>From a good step to one far too large: wherever the raw λ̂(ε) is off the exact value by more than three of its
    /// standard errors (<see cref="Sigmas"/>), the extrapolation 2λ̂(ε/2) − λ̂(ε) is closer to it; and the verdict at ε leaves "Trustworthy" once the
    /// measured bias exceeds one se + 5%. Many chains (1024 on the potential, 256 on the network, batched, so cheap) keep the
    /// standard errors well below the biases being compared: the extrapolation's own standard error is about 2.2 times the
    /// raw one, so with few chains a raw error of one or two se could not decide the comparison.</summary>
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
            steps = [4 * settings.StepSize, 16 * settings.StepSize, 64 * settings.StepSize];
        }
        else
        {
            var network = new DeepLinearNetworkTarget([3, 3], 0, 100_000, seed: 4, LossSource.Population);
            target = network;
            settings = GroundTruthCases.DeepLinearSettings([3, 3], chains: 256, seed: 4);
            double nBeta = settings.ResolveNBeta(network.SampleSize);
            truth = new KnownTruth(network.TrueCoefficient.Lambda, 1, 4.5 * nBeta / (nBeta + settings.Localization));
            steps = [settings.StepSize, 10 * settings.StepSize, 40 * settings.StepSize];
        }
        double reference = truth.FiniteT ?? truth.Lambda!.Value;
        var rows = new List<StepSizeBiasEstimate>();
        for (int i = 0; i < steps.Length; i++)
        {
            var b = StepSizeBias.Estimate(target, StepSizeSearch.AtLangevinTimeOf(settings, settings.StepSize, steps[i]) with { Seed = settings.Seed + 1000 * i }, truth);
            rows.Add(b);
            output.WriteLine($"ε = {steps[i]:G3}: λ̂ {b.AtStep.Mean:F4} ± {b.AtStep.StandardError:F4}, at ε/2 {b.AtHalfStep.Mean:F4} ± {b.AtHalfStep.StandardError:F4}, " +
                             $"extrapolated {b.Extrapolated:F4} ± {b.ExtrapolatedStandardError:F4}, bias {b.Bias:F4} ± {b.BiasStandardError:F4} (allowed {b.Allowed:F4}); " +
                             $"truth {reference:F4}; {b.AtStep.Diagnostics.Trust}");
        }
        int off = 0;
        foreach (var b in rows)
        {
            Assert.NotNull(b.Extrapolated);
            double rawError = Math.Abs(b.AtStep.Mean!.Value - reference), extrapolatedError = Math.Abs(b.Extrapolated!.Value - reference);
            if (rawError > Sigmas * b.AtStep.StandardError!.Value)
            {
                off++;
                Assert.True(extrapolatedError < rawError, $"ε = {b.StepSize:G3}: extrapolated {b.Extrapolated:F4} is no closer to {reference:F4} than {b.AtStep.Mean:F4}");
            }
            if (!b.WithinTolerance) Assert.NotEqual(Trust.Trustworthy, b.AtStep.Diagnostics.Trust);
        }
        Assert.True(off >= 1, "no step size was off by more than three standard errors: the grid does not reach a biased step");
        (target as IDisposable)?.Dispose();
    }

    /// <summary>The search starts far too large (ε = 64 × the validated step, over the validated Langevin time), comes down,
    /// and returns a step whose bias passed; the estimate there lies within the tolerance (5%) plus three standard errors of
    /// the exact value.</summary>
    [Fact]
    public void AutoFindsAStepWhoseEstimateIsWithinToleranceOfTheTruth()
    {
        TorchRuntime.Initialize();
        var (target, settings, truth) = Potential();
        var search = StepSizeSearch.Run(target, StepSizeSearch.AtLangevinTimeOf(settings, settings.StepSize, 64 * settings.StepSize), truth);
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
