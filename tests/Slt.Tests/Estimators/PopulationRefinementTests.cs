using Slt.Estimators;
using Slt.Model;
using Slt.Platform;
using Slt.Truth;
using Xunit.Abstractions;

namespace Slt.Tests.Estimators;

public sealed class PopulationRefinementTests(ITestOutputHelper output)
{
    private static (Transformer Model, CorpusGenerator Generator) TrainedTinyModel()
    {
        TorchRuntime.Initialize();
        var spec = CorpusSpec.Default;
        var model = new Transformer(new TransformerConfig(new Vocabulary(spec).Count, spec.ContextLength, ModelDimension: 16, Layers: 1, Heads: 2), seed: 3);
        var generator = new CorpusGenerator(new TrueDistribution(spec));
        // Some training first, so that the refinement starts near a trained point as it does on the real model.
        PopulationRefinement.Refine(model, generator, steps: 150, batchWindows: 32, learningRate: 1e-2, seed: 9, probeWindows: 64);
        return (model, generator);
    }

    [Fact]
    public void TheSplitSampleEstimateRemovesTheNoiseOfTheSample()
    {
        var (model, generator) = TrainedTinyModel();
        using var _ = model;
        // E[g_A·g_B] = ‖∇L‖² for independent samples A and B of any size, while one sample's ‖g‖² is inflated by its noise,
        // which falls like 1/windows. Eight pairs of 256 windows against one pair of 8192.
        var small = Enumerable.Range(1, 8).Select(seed => PopulationRefinement.Gradient(model, generator, windows: 256, seed: seed)).ToArray();
        var large = PopulationRefinement.Gradient(model, generator, windows: 8192, seed: 100);
        double mean = small.Average(g => g.SquaredNorm);
        double se = Math.Sqrt(small.Sum(g => (g.SquaredNorm - mean) * (g.SquaredNorm - mean)) / (small.Length - 1) / small.Length);
        double naive = small.Average(g => g.SquaredNorm + g.Noise * g.Noise); // the mean of ‖g_A‖² and ‖g_B‖²
        output.WriteLine($"256 windows: g_A·g_B = {mean:G3} ± {se:G3}, ‖g‖² = {naive:G3}; 8192 windows: {large}, squared {large.SquaredNorm:G3}");
        Assert.True(small[0].Noise > large.Noise * 3, "the noise of 256 windows should be about √32 ≈ 5.7 times that of 8192");
        Assert.True(Math.Abs(mean - large.SquaredNorm) <= 3 * se + 0.05 * large.SquaredNorm, $"{mean:G3} ± {se:G3} against {large.SquaredNorm:G3}");
        Assert.True(naive - large.SquaredNorm > 3 * se + 0.05 * large.SquaredNorm, "one sample's ‖g‖² should be visibly inflated at 256 windows");
    }

    [Fact]
    public void RefiningLowersThePopulationLossAndGradient()
    {
        var (model, generator) = TrainedTinyModel();
        using var _ = model;
        var r = PopulationRefinement.Refine(model, generator, steps: 100, batchWindows: 128, learningRate: 3e-3, seed: 4, probeWindows: 2048);
        output.WriteLine(r.Summary);
        Assert.Equal(128, r.FreshWindowsPerStep);
        Assert.True(r.LossAfter < r.LossBefore, r.Summary);
        Assert.True(r.GradientNormAfter < 0.75 * r.GradientNormBefore, r.Summary);
        Assert.True(r.Distance > 0, r.Summary);
        Assert.Contains("population optimum", r.Summary);
        Assert.Throws<ArgumentOutOfRangeException>(() => PopulationRefinement.Refine(model, generator, steps: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => PopulationRefinement.Refine(model, generator, steps: 1, learningRate: double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => PopulationRefinement.Gradient(model, generator, windows: 0));
    }
}
