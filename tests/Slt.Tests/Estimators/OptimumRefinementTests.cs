using Slt.Estimators;
using Slt.Model;
using Slt.Platform;
using Slt.Truth;

namespace Slt.Tests.Estimators;

public sealed class OptimumRefinementTests
{
    [Fact]
    public void RefiningLowersTheSampleLossAndItsGradient()
    {
        TorchRuntime.Initialize();
        var spec = CorpusSpec.Default;
        using var model = new Transformer(new TransformerConfig(new Vocabulary(spec).Count, spec.ContextLength, ModelDimension: 16, Layers: 1, Heads: 2), seed: 3);
        var sample = new CorpusGenerator(new TrueDistribution(spec)).Sample(16, seed: 5);
        // Train to near a minimum first (from the initialisation the gradient grows before it shrinks), then refine.
        OptimumRefinement.Refine(model, sample, steps: 300, learningRate: 3e-3);
        var r = OptimumRefinement.Refine(model, sample, steps: 100, learningRate: 3e-4);
        Assert.True(r.LossAfter < r.LossBefore - 0.01 * r.LossBefore, r.Summary);
        Assert.True(r.GradientNormAfter < r.GradientNormBefore, r.Summary);
        Assert.True(r.Distance > 0, r.Summary);
        // The model holds the refined weights: evaluating again gives LossAfter.
        using var windows = sample.ToTensor();
        var (loss, _) = OptimumRefinement.LossAndGradientNorm(model, windows, model.parameters().ToArray());
        Assert.Equal(r.LossAfter, loss, 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => OptimumRefinement.Refine(model, sample, steps: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => OptimumRefinement.Refine(model, sample, learningRate: 0));
    }
}
