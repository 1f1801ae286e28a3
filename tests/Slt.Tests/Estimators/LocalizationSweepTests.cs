using Slt.Estimators;
using Slt.GroundTruth;
using Slt.Platform;
using Slt.Sampling;
using Xunit.Abstractions;

namespace Slt.Tests.Estimators;

/// <summary>The γ study's verdict on a case with an exact answer: for K = w² at nβ = t the localized posterior
/// exp(−tw² − γw²/2) gives λ̂(γ) = t/(2t + γ) exactly, so halving γ moves λ̂ a lot where γ is comparable to 2t and not at
/// all where γ ≪ 2t.</summary>
[Collection(SamplingCollection.Name)]
public sealed class LocalizationSweepTests(ITestOutputHelper output)
{
    [Fact]
    public void HalvingGammaIsFlaggedWhereItMattersAndPassesWhereItDoesNot()
    {
        TorchRuntime.Initialize();
        const double t = 1000;
        var settings = new SgldSettings { NBeta = t, StepSize = 1e-5, Chains = 256, BurnIn = 2000, Draws = 200, StepsBetweenDraws = 10, Seed = 5 };
        var sweep = LocalizationSweep.Run(new PotentialTarget(NormalCrossingPotential.Parse("1")), settings, [4000, 2000, 4, 2]);
        foreach (var p in sweep.Points)
        {
            double exact = t / (2 * t + p.Gamma);
            output.WriteLine($"γ = {p.Gamma}: λ̂ = {p.Result.Mean:F4} ± {p.Result.StandardError:F4}, exact {exact:F4}");
            Assert.True(Math.Abs(p.Result.Mean!.Value - exact) <= 4 * p.Result.StandardError!.Value + 0.01 * exact,
                $"γ = {p.Gamma}: λ̂ = {p.Result.Mean:F4} ± {p.Result.StandardError:F4}, exact {exact:F4}");
        }
        var halvings = sweep.Halvings().ToDictionary(h => h.Gamma);
        Assert.Equal(2, halvings.Count);
        Assert.False(halvings[4000].Stable, $"4000 → 2000 moves λ̂ from 1/6 to 1/4: change {halvings[4000].Change:F4}, allowed {halvings[4000].Allowed:F4}");
        Assert.True(halvings[4].Stable, $"4 → 2 moves λ̂ by 0.0005: change {halvings[4].Change:F4}, allowed {halvings[4].Allowed:F4}");
        Assert.Equal(4, sweep.ToDataFrame().Rows.Count);
        Assert.Single(sweep.ToFigure().Traces);
    }

    [Fact]
    public void ASweepScalesTheStepWithNBetaAndRefusesBadGrids()
    {
        TorchRuntime.Initialize();
        var target = new PotentialTarget(NormalCrossingPotential.Parse("1"));
        var settings = new SgldSettings { NBeta = 100, StepSize = 1e-4, Chains = 8, BurnIn = 10, Draws = 10 };
        var sweep = LocalizationSweep.Run(target, settings, [10], [100, 400]);
        Assert.Equal([1e-4, 2.5e-5], sweep.Points.Select(p => p.StepSize).ToArray());
        Assert.Equal([100.0, 400.0], sweep.Points.Select(p => p.Result.NBeta).ToArray());
        Assert.Throws<ArgumentException>(() => LocalizationSweep.Run(target, settings, []));
        Assert.Throws<ArgumentException>(() => LocalizationSweep.Run(target, settings, [0]));
        Assert.Throws<ArgumentException>(() => LocalizationSweep.Run(target, settings, [1], [double.NaN]));
    }
}
