using Slt.Additivity;
using Slt.Model;
using Slt.Platform;
using Slt.Sampling;
using Slt.Truth;
using TorchSharp;

namespace Slt.Tests.Additivity;

/// <summary>
/// The interference pipeline on a tiny transformer: the token-embedding rows of the two families' words are disjoint
/// weights on which each family's loss alone depends, so the whole's tempered posterior factorizes into the parts' and
/// I = 0 in expectation, which the estimate must meet within its standard error; the parts run at n_f β with the whole's
/// β; the sign rule; and the table, figure and JSON.
/// </summary>
public sealed class FamilyInterferenceTests
{
    private static readonly CorpusSpec Corpus = CorpusSpec.Default with { TasksPerFamily = 4, ContextLength = 8 };

    private static SgldSettings Settings(long seed) => new()
    {
        StepSize = 1e-4, Localization = 100, Chains = 4, BurnIn = 100, Draws = 30, StepsBetweenDraws = 5,
        DrawLoss = DrawLoss.EvaluationSet, MalaEvery = 10, Seed = seed, ParallelGroups = 1,
    };

    [Theory]
    [InlineData(7L)]
    public void DisjointEmbeddingRowsAddWithinError(long seed)
    {
        TorchRuntime.Initialize(1);
        using var model = new Transformer(new TransformerConfig(new Vocabulary(Corpus).Count, Corpus.ContextLength, ModelDimension: 8, Layers: 1, Heads: 2, Mlp: false), seed: 3);
        model.to(torch.ScalarType.Float64);
        model.eval();
        var partition = FamilyPartition.Of(new CorpusGenerator(new TrueDistribution(Corpus)).Sample(40, 4));
        var r = FamilyInterference.Estimate(model, partition, InterferenceBlock.EmbeddingRows, Settings(seed));
        double beta = 1 / Math.Log(40);
        Assert.Equal(40 * beta, r.Whole.NBeta, 12);
        Assert.Equal(partition.CountOf(0) * beta, r.First.NBeta, 12);
        Assert.Equal(partition.CountOf(1) * beta, r.Second.NBeta, 12);
        Assert.Equal(24 * 8, r.First.Dimension);
        Assert.Equal(48 * 8, r.Whole.Dimension);
        Assert.NotNull(r.Value);
        Assert.True(Math.Abs(r.Value!.Value) <= 3 * r.StandardError!.Value, r.Summary());
        Assert.True(double.IsFinite(r.StandardError!.Value) && r.StandardError > 0, r.Summary());
        var json = r.ToJson();
        Assert.Equal("rows", (string)json["block"]!);
        Assert.Equal(1, FamilyInterference.ToDataFrame([r]).Rows.Count);
        Assert.Equal(2, FamilyInterference.ToFigure([r]).Traces.Count);
    }

    [Fact]
    public void BlocksResolveToRowsOrWholeTensors()
    {
        TorchRuntime.Initialize(1);
        using var model = new Transformer(new TransformerConfig(new Vocabulary(Corpus).Count, Corpus.ContextLength, ModelDimension: 8, Layers: 2, Heads: 2));
        var vocabulary = new Vocabulary(Corpus);
        var (p, rows) = InterferenceBlock.UnembeddingRows.Resolve(model, vocabulary, 1);
        Assert.Equal(["unembedding.weight", "unembedding.bias"], p);
        Assert.All(rows!["unembedding.bias"], t => Assert.Equal(1, vocabulary.FamilyOf[t]));
        Assert.Equal(24, rows["unembedding.weight"].Count);
        var (shared, none) = new InterferenceBlock("attention-1").Resolve(model, vocabulary, 0);
        Assert.Null(none);
        Assert.All(shared, n => Assert.StartsWith("blocks.1.attention.", n));
        Assert.Equal(InterferenceKind.SharedBlock, InterferenceBlock.ParseList("rows, attention-1+mlp-1")[1].Kind);
        Assert.Equal("attention-1,mlp-1", InterferenceBlock.ParseList("rows, attention-1+mlp-1")[1].Spec);
        Assert.Throws<ArgumentException>(() => new InterferenceBlock("attention-9").Resolve(model, vocabulary, 0));
        Assert.Throws<ArgumentException>(() => InterferenceBlock.ParseList(" , "));
    }

    [Fact]
    public void TheSignRuleIsTwoStandardErrors()
    {
        InterferenceTerm T(double llc, double se) => new("t", 10, 1, 1, llc, se, 1, 100, 0.95, "Trustworthy", "", 0);
        FamilyInterference I(double w, double a, double b) => new("x", "f", "g", T(w, 1), T(a, 1), T(b, 1));
        Assert.Equal(Math.Sqrt(3), I(10, 5, 5).StandardError!.Value, 12);
        Assert.Equal(InterferenceSign.Additive, I(10, 5, 5).Sign);
        Assert.Equal(InterferenceSign.Additive, I(13.4, 5, 5).Sign);
        Assert.Equal(InterferenceSign.Positive, I(13.5, 5, 5).Sign);
        Assert.Equal(InterferenceSign.Negative, I(6.5, 5, 5).Sign);
        var divergent = new FamilyInterference("x", "f", "g", T(1, 1) with { Llc = null, StandardError = null }, T(1, 1), T(1, 1));
        Assert.Equal(InterferenceSign.Undetermined, divergent.Sign);
    }
}
