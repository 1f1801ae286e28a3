using Slt.Estimators;
using Slt.GroundTruth;
using Slt.Model;
using Slt.Platform;
using Slt.Sampling;
using Slt.Truth;
using static TorchSharp.torch;

namespace Slt.Tests.Sampling;

/// <summary>Draws from the mini-batch excess, and chain groups on parallel copies of the model.</summary>
[Collection(Slt.Tests.Estimators.SamplingCollection.Name)]
public sealed class MiniBatchExcessTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly CorpusSpec Spec = CorpusSpec.Default;

    private static Transformer SmallModel() =>
        new(new TransformerConfig(new Vocabulary(Spec).Count, Spec.ContextLength, ModelDimension: 16, Layers: 1, Heads: 2), seed: 3);

    /// <remarks>The two recordings see the very same chain (neither draws random numbers), so draw by draw the excess
    /// estimate minus the exact L_n(w) is pure batch noise: its mean over many draws must be zero within its standard
    /// error. A baseline taken at the wrong points, or a mean over the wrong batch, leaves a bias of the size of
    /// L_n's spread between windows, many standard errors.</remarks>
    [Fact]
    public void ExcessDrawsAreUnbiasedForTheFullDataLossAlongTheSameChain()
    {
        TorchRuntime.Initialize();
        using var model = SmallModel();
        var sample = new CorpusGenerator(new TrueDistribution(Spec)).Sample(64, seed: 5);
        // Trained a little, so that the windows' losses differ (at initialisation every window costs about 31 log |S|,
        // and a baseline taken at the wrong windows would go unnoticed).
        OptimumRefinement.Refine(model, sample, steps: 150, learningRate: 3e-3);
        using var target = NextTokenTarget.Create(model, sample);

        // The identity behind it, exactly: at any w, the excess averaged over batches that cover every window once is
        // L_n(w) − L_n(w*) (float32 sums of about 55 nats: to 1e-3).
        using (var group = target.CreateGroup(1))
        using (no_grad())
        {
            double atOptimum = group.FullDataLoss().to_type(ScalarType.Float64).item<double>();
            var noise = new TorchSharp.torch.Generator(9);
            foreach (var p in group.Parameters) p.add_(randn(p.shape, generator: noise) * 0.02);
            double exactExcess = group.FullDataLoss().to_type(ScalarType.Float64).item<double>() - atOptimum;
            double averaged = Enumerable.Range(0, 16).Average(k =>
                group.LossAndExcess(arange(4 * k, 4 * k + 4, dtype: int64)).Excess!.to_type(ScalarType.Float64).item<double>());
            output.WriteLine($"at a perturbed w: excess averaged over the 16 batches {averaged:F5}, L_n(w) − L_n(w*) = {exactExcess:F5}");
            Assert.True(Math.Abs(averaged - exactExcess) < 1e-3, $"averaged excess {averaged:F5} vs L_n(w) − L_n(w*) = {exactExcess:F5}");
            Assert.True(Math.Abs(exactExcess) > 0.05, $"the perturbation must move L_n: {exactExcess:F5}");
        }

        var settings = new SgldSettings
        {
            StepSize = 1e-5, Localization = 1000, Chains = 2, BurnIn = 0, Draws = 150, StepsBetweenDraws = 1, BatchSize = 4, Seed = 11,
            TrackMalaAcceptance = false, DrawLoss = DrawLoss.EvaluationSet,
        };
        var exact = Sgld.Run(target, settings);
        var estimated = Sgld.Run(target, settings with { DrawLoss = DrawLoss.MiniBatchExcess });
        for (int c = 0; c < 2; c++)
        {
            Assert.Equal(exact.Baseline[c], estimated.Baseline[c], 5);
            var differences = estimated.Draws[c].Zip(exact.Draws[c], (e, x) => e - x).ToArray();
            double mean = differences.Average();
            double se = Math.Sqrt(differences.Sum(d => (d - mean) * (d - mean)) / (differences.Length - 1) / differences.Length);
            double spread = exact.Draws[c].Max() - exact.Draws[c].Min();
            output.WriteLine($"chain {c}: mean(excess draw − L_n(w)) = {mean:G3} ± {se:G3}; L_n(w*) = {exact.Baseline[c]:F4}, spread of L_n along the chain {spread:G3}");
            Assert.True(Math.Abs(mean) <= 4 * se, $"chain {c}: mean(excess draw − L_n(w)) = {mean:G3} ± {se:G3}");
            // Not vacuous: the two recordings differ draw by draw (batch noise), and the chain moved.
            Assert.True(se > 0 && spread > 0, $"chain {c}: se {se:G3}, spread of L_n {spread:G3}");
        }
    }

    [Fact]
    public void ExcessDrawsNeedPerPointLosses()
    {
        TorchRuntime.Initialize();
        var settings = new SgldSettings { StepSize = 1e-4, NBeta = 100, Chains = 2, BurnIn = 1, Draws = 4, DrawLoss = DrawLoss.MiniBatchExcess };
        var e = Assert.Throws<ArgumentException>(() => Sgld.Run(new PotentialTarget(NormalCrossingPotential.Parse("1")), settings));
        Assert.Contains("per-point losses", e.Message);
    }

    [Fact]
    public void ParallelGroupsGiveTheSameNumbersAsOneAfterAnother()
    {
        TorchRuntime.Initialize();
        using var model = SmallModel();
        var sample = new CorpusGenerator(new TrueDistribution(Spec)).Sample(32, seed: 5);
        using var target = NextTokenTarget.Create(model, sample);
        Assert.True(target.ConcurrentGroups > 1, "a transformer target runs chains on copies of the model");
        var settings = new SgldSettings
        {
            StepSize = 1e-5, Localization = 1000, Chains = 3, BurnIn = 5, Draws = 6, StepsBetweenDraws = 2, BatchSize = 4, Seed = 2,
            DrawLoss = DrawLoss.MiniBatchExcess, MalaEvery = 3,
        };
        var serial = Sgld.Run(target, settings with { ParallelGroups = 1 });
        var parallel = Sgld.Run(target, settings with { ParallelGroups = 2 });
        Assert.Equal(1, serial.ParallelGroups);
        Assert.Equal(2, parallel.ParallelGroups);
        Assert.Equal(serial.Baseline, parallel.Baseline);
        for (int c = 0; c < 3; c++)
        {
            Assert.Equal(serial.Draws[c], parallel.Draws[c]);
            Assert.Equal(serial.MalaAcceptance[c], parallel.MalaAcceptance[c]);
        }
        Assert.NotEqual(serial.Draws[0], serial.Draws[1]);
    }
}
