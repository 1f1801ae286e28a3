using Slt.Contexts;
using Slt.Model;
using Slt.Platform;
using Slt.Sampling;
using Slt.Truth;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Tests.Contexts;

/// <summary>
/// The measured mother/daughter comparison: with the exact linear-attention map the mother's loss on C ⊕ x (restricted to
/// the predictions of x_2..x_T) and the daughter's loss on x are the same number at w* and F_C(w*), which checks that the two
/// samples and the two sets of input lengths line up; a shift of one position breaks it. Both estimates come back with
/// diagnostics, and the sign follows the two-standard-error rule.
/// </summary>
public sealed class MotherDaughterLlcTests
{
    private static readonly CorpusSpec Corpus = CorpusSpec.Default with { TasksPerFamily = 4, ContextLength = 12 };

    private static Transformer RandomLinear(long seed)
    {
        var config = new TransformerConfig(new Vocabulary(Corpus).Count, Corpus.ContextLength, ModelDimension: 12, Layers: 1, Heads: 3,
            Attention: AttentionKind.Linear);
        var model = new Transformer(config);
        model.to(ScalarType.Float64);
        model.eval();
        LinearContextIdentity.DrawWeights(model, seed, 0.3);
        return model;
    }

    [Fact]
    public void TheExactDaughterHasTheMothersLossAndBothEstimatesCarryDiagnostics()
    {
        TorchRuntime.Initialize(1);
        using var mother = RandomLinear(5);
        int[] context = [3, 7, 1, 4];
        using var daughter = new LinearContextMap(mother.Config, context).Daughter(mother);
        var queries = new CorpusGenerator(new TrueDistribution(Corpus)).Sample(16, 9);
        var stripped = new WindowSample(queries.Vocabulary, 6, Enumerable.Range(0, queries.Count).SelectMany(i => queries.Window(i)[..6].ToArray()).ToArray());

        var prefixed = MotherDaughterLlc.Prefixed(context, stripped);
        Assert.Equal(context.Length + 6, prefixed.ContextLength);
        Assert.Equal(context, prefixed.Window(3)[..4].ToArray());
        Assert.Equal(stripped.Window(3).ToArray(), prefixed.Window(3)[4..].ToArray());

        var settings = new SgldSettings { StepSize = 1e-5, Localization = 1000, Chains = 2, BurnIn = 10, Draws = 20, StepsBetweenDraws = 2, BatchSize = 4 };
        var result = MotherDaughterLlc.Estimate("exact", mother, daughter, context, stripped, settings);
        Assert.True(Math.Abs(result.MotherBaseline - result.DaughterBaseline) <= 1e-9 * Math.Abs(result.MotherBaseline),
            $"L_n(w*) on C ⊕ x = {result.MotherBaseline:R} but L_n(F_C(w*)) on x = {result.DaughterBaseline:R}");
        Assert.NotNull(result.Mother.Mean);
        Assert.NotNull(result.Daughter.Mean);
        Assert.Equal(2, result.ToDataFrame().Rows.Count);
        Assert.NotEqual(InequalitySign.Undetermined, result.Sign);
        Assert.Contains("λ̂_mother", result.Summary());

        // power: the mother's loss one position off (its prediction of x_1 from C alone included, x_T's left out) differs
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        static Tensor Positions(int first, int count) => tensor(Enumerable.Range(first, count).Select(l => (long)l - 1).ToArray(), dtype: int64);
        double off = Slt.Losses.NextTokenLoss.PerWindow(mother, prefixed.ToTensor(), Positions(context.Length, 5)).mean().item<double>();
        double on = Slt.Losses.NextTokenLoss.PerWindow(daughter, stripped.ToTensor(), Positions(1, 5)).mean().item<double>();
        Assert.True(Math.Abs(on - result.DaughterBaseline) <= 1e-9 * Math.Abs(on), $"the daughter's loss {on:R} is not the sampler's baseline {result.DaughterBaseline:R}");
        Assert.True(Math.Abs(off - on) > 1e-3, $"a one-position shift changes the loss by only {Math.Abs(off - on):E2}");
    }

    [Fact]
    public void BadInputIsRefusedWithAClearMessage()
    {
        TorchRuntime.Initialize(1);
        using var model = RandomLinear(1);
        var queries = new CorpusGenerator(new TrueDistribution(Corpus)).Sample(4, 1);
        var e = Assert.Throws<ArgumentException>(() => MotherDaughterLlc.Estimate("x", model, model, Array.Empty<int>(), queries));
        Assert.Contains("context C is empty", e.Message);
        e = Assert.Throws<ArgumentException>(() => MotherDaughterLlc.Estimate("x", model, model, [999], queries));
        Assert.Contains("999", e.Message);

        // a frozen module is refused up front with a message (it once aborted the process from a sampler thread)
        foreach (var p in model.parameters()) p.requires_grad = false;
        e = Assert.Throws<ArgumentException>(() => Slt.Sampling.NextTokenTarget.Create(model, queries));
        Assert.Contains("do not require gradients", e.Message);
        // ... while the comparison unfreezes a fitted (frozen) daughter for its runs and freezes it again afterwards
        int[] context = [2, 5];
        var stripped = new WindowSample(queries.Vocabulary, 5, Enumerable.Range(0, queries.Count).SelectMany(i => queries.Window(i)[..5].ToArray()).ToArray());
        using var mother = RandomLinear(2);
        var settings = new SgldSettings { StepSize = 1e-5, Localization = 1000, Chains = 2, BurnIn = 2, Draws = 4, StepsBetweenDraws = 1 };
        var result = MotherDaughterLlc.Estimate("frozen daughter", mother, model, context, stripped, settings);
        Assert.NotNull(result.Daughter.Mean);
        Assert.All(model.parameters(), p => Assert.False(p.requires_grad));
        Assert.All(mother.parameters(), p => Assert.True(p.requires_grad));
    }
}
