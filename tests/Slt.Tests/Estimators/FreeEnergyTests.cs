using Slt.Diagnostics;
using Slt.Estimators;
using Slt.GroundTruth;
using Slt.Platform;
using Slt.Sampling;
using Xunit.Abstractions;

namespace Slt.Tests.Estimators;

[Collection(SamplingCollection.Name)]
public sealed class FreeEnergyTests(ITestOutputHelper output)
{
    [Fact]
    public void ThermodynamicIntegrationWithinTwoPercentOfExactFreeEnergy()
    {
        TorchRuntime.Initialize();
        var result = GroundTruthCases.EstimateFreeEnergy("1,1", 1000);
        output.WriteLine($"TI {result.ThermodynamicIntegration:F4} ± {result.ThermodynamicIntegrationSe:F4}, exact {result.Exact:F4}, " +
                         $"rel {result.RelativeError:P2}; WBIC {result.Wbic:F4} ± {result.WbicSe:F4}, exact WBIC {result.ExactWbic:F4}");
        Assert.NotNull(result.ThermodynamicIntegration);
        Assert.True(Math.Abs(result.RelativeError!.Value) <= 0.02, $"TI {result.ThermodynamicIntegration:F4} vs exact {result.Exact:F4}");
        Assert.True(result.Trust <= Trust.Caution, result.Verdict); // a good path obeys its bounds: no false alarm
        Assert.NotNull(result.Wbic);
        // WBIC is a single-temperature average of n·K, noisy at this chain count: it must agree with its exact value
        // within four standard errors, and the standard error itself must be below 5% of that value.
        double wbicError = Math.Abs(result.Wbic!.Value - result.ExactWbic!.Value);
        Assert.True(wbicError <= 4 * result.WbicSe!.Value && result.WbicSe.Value <= 0.05 * result.ExactWbic.Value,
            $"WBIC {result.Wbic:F4} ± {result.WbicSe:F4} vs exact {result.ExactWbic:F4}");
    }

    [Fact]
    public void AbsurdStepGivesDoNotTrustNotAMildVerdict()
    {
        // ε = 5 in the box [−1,1]²: every point of the path samples the box, not its posterior.
        TorchRuntime.Initialize();
        var potential = NormalCrossingPotential.Parse("1,1");
        var sampler = new SgldSettings { StepSize = 5, Box = PriorBox.Symmetric(1), Chains = 32, BurnIn = 500, Draws = 50, StepsBetweenDraws = 10 };
        var result = FreeEnergy.Estimate(new PotentialTarget(potential, 1000), sampler, maxStepSize: 5,
            exact: PotentialQuadrature.FreeEnergy(potential, 1000));
        output.WriteLine($"TI {result.ThermodynamicIntegration:F4} (exact {result.Exact:F4}); {result.Verdict}");
        Assert.True(result.Trust >= Trust.Untrustworthy, result.Verdict);
        Assert.StartsWith("Do not trust", result.Verdict);
    }

    [Fact]
    public void ExactWbicIsTheFiniteTemperatureEnergy()
    {
        var k = NormalCrossingPotential.Parse("1,1");
        double n = 1000, nBeta = n / Math.Log(n);
        Assert.Equal(PotentialQuadrature.At(k, nBeta).ExpectedTK * n / nBeta, PotentialQuadrature.Wbic(k, n), 10);
    }
}
