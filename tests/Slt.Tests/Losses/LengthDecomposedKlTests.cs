using Slt.Losses;
using Slt.Model;
using Slt.Platform;
using Slt.Truth;
using static TorchSharp.torch;

namespace Slt.Tests.Losses;

public sealed class LengthDecomposedKlTests
{
    private static readonly TrueDistribution Truth = new(CorpusSpec.Default);

    [Fact]
    public void OracleHasZeroKlAndLossEqualToEntropy()
    {
        TorchRuntime.Initialize();
        var r = LengthDecomposedKl.Draw(Truth, 600, 8).Evaluate(new BayesOracle(Truth));
        for (int i = 0; i < r.LengthCount; i++)
        {
            Assert.True(Math.Abs(r.Kl[i]) <= 1e-10, $"K^{i + 1} = {r.Kl[i]:E3} for the exact truth.");
            Assert.Equal(r.Entropy[i], r.CrossEntropy[i], 10);
        }
        // The sampled next tokens agree with the exact conditionals: the oracle's empirical loss matches S^l.
        Assert.True(Math.Abs(r.TotalEmpiricalLoss - r.TotalEntropy) < 4 * r.TotalEmpiricalLossStandardError,
            $"Σ L_n^l = {r.TotalEmpiricalLoss:F4} vs S = {r.TotalEntropy:F4}");
        for (int i = 0; i < r.LengthCount; i++)
            Assert.True(Math.Abs(r.EmpiricalLoss[i] - r.Entropy[i]) < 4.5 * r.EmpiricalLossStandardError[i],
                $"L_n^{i + 1} = {r.EmpiricalLoss[i]:F4} vs S^{i + 1} = {r.Entropy[i]:F4} (se {r.EmpiricalLossStandardError[i]:F4})");
    }

    [Fact]
    public void KlDecompositionSumsToTotalAndLossIsKlPlusEntropy()
    {
        TorchRuntime.Initialize();
        using var model = new Transformer(TransformerConfig.For(Truth.Spec), seed: 3);
        var r = LengthDecomposedKl.Draw(Truth, 200, 9).Evaluate(model);
        Assert.Equal(r.Kl.Sum(), r.TotalKl, 12);
        Assert.Equal(r.TotalCrossEntropy, r.TotalKl + r.TotalEntropy, 9);
        for (int i = 0; i < r.LengthCount; i++)
            Assert.Equal(r.CrossEntropy[i], r.Kl[i] + r.Entropy[i], 9);
        Assert.True(r.TotalKl > 1, "An untrained model should be far from the truth.");
    }

    [Fact]
    public void KlIsNonNegativeAtEveryLengthForAnyModel()
    {
        TorchRuntime.Initialize();
        var eval = LengthDecomposedKl.Draw(Truth, 200, 10);
        foreach (long seed in new long[] { 1, 2 })
        {
            using var model = new Transformer(TransformerConfig.For(Truth.Spec) with { Layers = 1, Mlp = false }, seed);
            var r = eval.Evaluate(model);
            for (int i = 0; i < r.LengthCount; i++)
                Assert.True(r.Kl[i] >= -2 * r.KlStandardError[i], $"K^{i + 1} = {r.Kl[i]:F5} < 0 beyond its standard error.");
        }
    }

    [Fact]
    public void TrainingLossIsTheMeanOfThePerLengthEmpiricalLosses()
    {
        TorchRuntime.Initialize();
        using var model = new Transformer(TransformerConfig.For(Truth.Spec), seed: 4);
        var sample = new CorpusGenerator(Truth).Sample(64, 12);
        using var scope = NewDisposeScope();
        var x = sample.ToTensor();
        var mean = NextTokenLoss.Mean(model, x);
        var perLength = NextTokenLoss.PerLength(model, x);
        Assert.Equal(Truth.ContextLength - 1, perLength.shape[0]);
        Assert.Equal(perLength.mean().item<float>(), mean.item<float>(), 5);
        var r = new LengthDecomposedKl(Truth, sample).Evaluate(model);
        Assert.Equal(r.MeanEmpiricalLoss, mean.item<float>(), 4);
        Assert.Equal(r.MeanEmpiricalLoss, NextTokenLoss.Empirical(model, sample, batchSize: 10), 4);
        mean.backward();
        Assert.All(model.parameters(), p => Assert.NotNull(p.grad));
    }

    [Fact]
    public void ResultBecomesDataFrameAndFigure()
    {
        TorchRuntime.Initialize();
        var r = LengthDecomposedKl.Draw(Truth, 20, 1).Evaluate(new BayesOracle(Truth));
        var df = r.ToDataFrame();
        Assert.Equal(Truth.ContextLength - 1, df.Rows.Count);
        Assert.Equal(r.Entropy[4], (double)df["S"][4]);
        var figure = r.ToFigure();
        Assert.Equal(3, figure.Traces.Count);
        Assert.Contains("\"kind\":\"line\"", figure.ToJson());
    }
}
