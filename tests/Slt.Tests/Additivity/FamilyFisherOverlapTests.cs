using Slt.Additivity;
using Slt.Model;
using Slt.Platform;
using Slt.Truth;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Tests.Additivity;

/// <summary>
/// The overlap score O = ‖V₁ᵀV₂‖²_F / min(k₁, k₂): 1 for the same gradients, 0 for gradients on disjoint coordinates,
/// max(k₁, k₂)/p on average for independent Gaussian gradients (whose top subspaces are uniformly random), checked
/// over seeds against the standard error of the mean; the rank rule; and a tiny transformer's per-block table.
/// </summary>
public sealed class FamilyFisherOverlapTests
{
    [Fact]
    public void IdenticalGradientsOverlapFullyAndSoDoesAScaledCopy()
    {
        TorchRuntime.Initialize(1);
        using var scope = NewDisposeScope();
        var g = randn(30, 200, dtype: float64, generator: new Generator(1)) * linspace(0.1, 3, 200, dtype: float64);
        var same = FamilyFisherOverlap.Compare(g, g, 0.9, 16);
        Assert.Equal(1.0, same.Overlap, 10);
        Assert.Equal(same.Rank1, same.Rank2);
        // Another mixing of the same rows spans the same row space: full energy share, rank = 30 ⇒ same subspace.
        var mixed = randn(30, 30, dtype: float64, generator: new Generator(2)).matmul(g);
        Assert.Equal(1.0, FamilyFisherOverlap.Compare(g, mixed, 1.0, 64).Overlap, 8);
    }

    [Fact]
    public void GradientsOnDisjointCoordinatesAreOrthogonal()
    {
        TorchRuntime.Initialize(1);
        using var scope = NewDisposeScope();
        var g1 = zeros(20, 100, dtype: float64);
        var g2 = zeros(25, 100, dtype: float64);
        g1.index_put_(randn(20, 50, dtype: float64, generator: new Generator(3)), TensorIndex.Colon, TensorIndex.Slice(0, 50));
        g2.index_put_(randn(25, 50, dtype: float64, generator: new Generator(4)), TensorIndex.Colon, TensorIndex.Slice(50, 100));
        var o = FamilyFisherOverlap.Compare(g1, g2, 0.9, 16);
        Assert.True(o.Overlap < 1e-20, $"O = {o.Overlap}");
        Assert.True(o.Rank1 > 0 && o.Rank2 > 0);
        // Sharing one coordinate direction makes it positive.
        g2[0, 0] = tensor(5.0, dtype: float64);
        Assert.True(FamilyFisherOverlap.Compare(g1, g2, 1.0, 64).Overlap > 1e-6);
    }

    [Fact]
    public void IndependentGaussianGradientsSitAtTheChanceLevel()
    {
        TorchRuntime.Initialize(1);
        const int p = 120, m = 24, cap = 6, seeds = 60;
        var values = new double[seeds];
        double chance = double.NaN;
        for (int s = 0; s < seeds; s++)
        {
            using var scope = NewDisposeScope();
            var g1 = randn(m, p, dtype: float64, generator: new Generator((ulong)(100 + s)));
            var g2 = randn(m, p, dtype: float64, generator: new Generator((ulong)(500 + s)));
            var o = FamilyFisherOverlap.Compare(g1, g2, 1.0, cap);
            Assert.Equal(cap, o.Rank1);
            Assert.Equal(cap, o.Rank2);
            values[s] = o.Overlap;
            chance = o.Chance;
        }
        Assert.Equal(cap / (double)p, chance, 12);
        double mean = values.Average();
        double se = Math.Sqrt(values.Select(v => (v - mean) * (v - mean)).Sum() / (seeds - 1) / seeds);
        Assert.True(Math.Abs(mean - chance) <= 4 * se, $"mean O = {mean:F4} ± {se:F4}, chance {chance:F4}");
        // Power: the chance level of a subspace twice as large is off by many standard errors.
        Assert.True(Math.Abs(mean - 2 * chance) > 8 * se);
    }

    [Fact]
    public void TheRankCarriesTheShareOfTheTraceUpToTheCap()
    {
        Assert.Equal(3, FamilyFisherOverlap.RankFor([5, 3, 1, 1], 0.9, 16));
        Assert.Equal(2, FamilyFisherOverlap.RankFor([5, 3, 1, 1], 0.8, 16));
        Assert.Equal(2, FamilyFisherOverlap.RankFor([5, 3, 1, 1], 0.9, 2));
        Assert.Equal(4, FamilyFisherOverlap.RankFor([5, 3, 1, 1], 1.0, 16));
        Assert.Equal(0, FamilyFisherOverlap.RankFor([0, 0], 0.9, 16));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FisherOverlapSettings(EnergyShare: 0).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new FisherOverlapSettings(WindowsPerFamily: 1).Validate());
    }

    [Fact]
    public void ATinyTransformerGetsOneRowPerBlockWithScoresInRange()
    {
        TorchRuntime.Initialize(1);
        var corpus = CorpusSpec.Default with { TasksPerFamily = 4, ContextLength = 8 };
        using var model = new Transformer(new TransformerConfig(new Vocabulary(corpus).Count, corpus.ContextLength, ModelDimension: 8, Layers: 1, Heads: 2), seed: 3);
        var partition = FamilyPartition.Of(new CorpusGenerator(new TrueDistribution(corpus)).Sample(60, 4));
        var settings = new FisherOverlapSettings(WindowsPerFamily: 12, MaxRank: 4);
        var rows = FamilyFisherOverlap.AtPoint(model, partition, 7, settings);
        var blocks = WeightBlock.Of(model);
        Assert.Equal(blocks.Select(b => b.Name), rows.Select(r => r.Block));
        Assert.All(rows, r =>
        {
            Assert.Equal(7, r.Step);
            Assert.InRange(r.Overlap, 0.0, 1.0 + 1e-9);
            Assert.InRange(r.Rank1, 1, 4);
            Assert.True(r.Trace1 > 0 && r.Trace2 > 0);
        });
        Assert.Equal(model.ParameterCount, rows.Sum(r => r.Parameters));
        // Same seed, same numbers.
        var again = FamilyFisherOverlap.AtPoint(model, partition, 7, settings);
        Assert.Equal(rows.Select(r => r.Overlap), again.Select(r => r.Overlap));
        var result = new FamilyFisherOverlap("garage", "zoo", settings, rows, 0);
        Assert.Equal(rows.Count, result.ToDataFrame().Rows.Count);
        Assert.Equal(rows.Count, result.ToDataFrame(7).Rows.Count);
        Assert.Equal([7], result.Steps);
        var grid = result.ByStep();
        Assert.Equal(1, grid.Rows.Count);
        Assert.Equal(blocks.Count + 1, grid.Columns.Count);
        Assert.Equal(rows[2].Overlap, (double)grid.Columns[blocks[2].Name][0]!);
        Assert.Contains("checkpoints are at 7", Assert.Throws<ArgumentException>(() => result.ToDataFrame(8)).Message);
        Assert.Equal(blocks.Count, result.ToFigure().Traces.Count);
        Assert.Throws<ArgumentException>(() => FamilyFisherOverlap.AtPoint(model, partition, 0, settings with { WindowsPerFamily = 1000 }));
    }
}
