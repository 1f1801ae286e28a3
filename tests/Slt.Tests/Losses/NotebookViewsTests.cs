using Slt.Losses;
using Slt.Model;
using Slt.Platform;
using Slt.Truth;

namespace Slt.Tests.Losses;

/// <summary>The views notebook 01 shows: each computes what its caption claims.</summary>
public sealed class NotebookViewsTests
{
    private static readonly TrueDistribution Truth = new(CorpusSpec.Default);

    [Fact]
    public void NextTokenComparisonOfTheOracleHasZeroKl()
    {
        TorchRuntime.Initialize();
        var window = new CorpusGenerator(Truth).Sample(1, 3).Window(0);
        var exact = NextTokenComparison.Of(Truth, new BayesOracle(Truth), window, 12);
        Assert.Equal(0, exact.Kl, 10);
        using var model = new Transformer(TransformerConfig.For(Truth.Spec), seed: 1);
        var untrained = NextTokenComparison.Of(Truth, model, window, 12);
        Assert.Equal(Truth.Conditional(window[..12]), untrained.Truth);
        Assert.Equal(1.0, untrained.Model.Sum(), 5);
        Assert.True(untrained.Kl > 0.5);
        var table = untrained.ToDataFrame(top: 5);
        Assert.Equal(5, table.Rows.Count);
        Assert.Equal(untrained.Truth.Max(), (double)table["q (truth)"][0]);
    }

    [Fact]
    public void TaskPosteriorPathIsADistributionThatFindsTheTask()
    {
        var sample = new CorpusGenerator(Truth).SpecSample();
        var path = TaskPosteriorPath.Of(Truth, sample, 2);
        Assert.Equal(Truth.ContextLength, path.Posteriors.Length);
        Assert.All(path.Posteriors, p => Assert.Equal(1.0, p.Sum(), 10));
        Assert.Equal(sample.TasksOf(2)[0], path.TrueTask);
        Assert.True(path.Posteriors[^1][path.TrueTask] > 0.9, "After C tokens the truth should be nearly sure of the task.");
        Assert.True(path.Posteriors[0][path.TrueTask] < 0.5, "One token should not identify the task.");
        Assert.Equal(path.NextTokenEntropy[4], Truth.ConditionalEntropy(sample.Window(2)[..5]), 12);
    }

    [Fact]
    public void TablesHaveOneRowPerPairAndPerParameter()
    {
        TorchRuntime.Initialize();
        var sample = new CorpusGenerator(Truth).Sample(3, 1);
        var pairs = sample.PairsDataFrame(1);
        Assert.Equal(Truth.ContextLength - 1, pairs.Rows.Count);
        Assert.Equal(Truth.Vocabulary.Tokens[sample.Window(1)[5]], (string)pairs["output t_{l+1}"][4]);
        var (inputs, outputs) = sample.PairsOfLength(5);
        Assert.Equal(sample.Window(1)[5], outputs[1]);
        Assert.Equal(sample.Window(1)[4], inputs[1, 4]);
        using var model = new Transformer(TransformerConfig.For(Truth.Spec));
        var parameters = model.ParameterTable();
        Assert.Equal(model.named_parameters().Count(), parameters.Rows.Count);
        Assert.Equal(model.ParameterCount, parameters["entries"].Cast<long>().Sum());
    }
}
