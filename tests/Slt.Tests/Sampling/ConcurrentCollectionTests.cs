using Slt.Estimators;
using Slt.GroundTruth;
using Slt.Platform;
using Slt.Sampling;
using Slt.Tests.Platform;
using static TorchSharp.torch;

namespace Slt.Tests.Sampling;

/// <summary>
/// TorchSharp 0.107 frees scalar temporaries from finalizers, possibly while libtorch reads them (see
/// <see cref="ScalarFreeArithmetic"/>). These run the sampler's hot paths while another thread forces collections and
/// finalizers without pause: they must neither fail nor change a single number.
/// </summary>
[Collection(Slt.Tests.Estimators.SamplingCollection.Name)]
public sealed class ConcurrentCollectionTests
{
    /// <remarks>Under the same collector, TorchSharp's own <c>(x + x).square().add_(x)</c> failed 27 times in 145,708
    /// rounds of this loop (measured once, not kept as a test: it exercises a TorchSharp bug that can also crash the
    /// process); the scalar-free forms must not fail once.</remarks>
    [Fact]
    public void ScalarFreeArithmeticSurvivesConcurrentGarbageCollection()
    {
        TorchRuntime.Initialize();
        var (rounds, failures, total) = ConcurrentCollector.While(() => Hammer(x => x.Plus(x).Squared().PlusInPlace(x).PlusInPlace(-1.0).Plus(2.0)));
        Assert.Equal(0, failures);
        Assert.Equal(rounds * 8 * 6.0, total); // (1 + 1)² + 1 − 1 + 2 = 6
    }

    /// <summary>Runs <paramref name="f"/> on ones(8) for three seconds; counts native failures and sums the results.</summary>
    private static (int Rounds, int Failures, double Total) Hammer(Func<Tensor, Tensor> f)
    {
        int rounds = 0, failures = 0;
        double total = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(3))
        {
            using var scope = NewDisposeScope();
            rounds++;
            try
            {
                total += f(ones(8, dtype: ScalarType.Float64)).sum().item<double>();
            }
            catch (System.Runtime.InteropServices.ExternalException)
            {
                failures++;
            }
        }
        return (rounds, failures, total);
    }

    [Fact]
    public void SamplingPotentialAndLinearNetworkUnderConcurrentCollectionGivesTheSameNumbers()
    {
        TorchRuntime.Initialize();
        var potential = NormalCrossingPotential.Parse("1,1;0,2");
        var potentialSettings = new SgldSettings
        {
            StepSize = 1e-4, NBeta = 1000, Box = PriorBox.Symmetric(1), Chains = 16, BurnIn = 300, Draws = 50, StepsBetweenDraws = 4, MalaEvery = 2,
        };
        using var network = new DeepLinearNetworkTarget([3, 2, 3], 0, 5000, seed: 4);
        var networkSettings = GroundTruthCases.DeepLinearSettings([3, 2, 3], chains: 4) with { BurnIn = 300, Draws = 50, StepsBetweenDraws = 4 };
        double[] Run() =>
        [
            .. LocalLearningCoefficient.Estimate(new PotentialTarget(potential), potentialSettings).PerChain,
            .. LocalLearningCoefficient.Estimate(new PotentialTarget(potential), potentialSettings with { RmsPropDecay = 0.99 }).PerChain,
            .. LocalLearningCoefficient.Estimate(network, networkSettings).Correction!.PerChain,
        ];
        var quiet = Run();
        var hammered = ConcurrentCollector.While(Run);
        Assert.Equal(quiet, hammered);
    }
}
