using Slt.Contexts;
using Slt.Model;
using Slt.Platform;
using Slt.Training;
using Slt.Truth;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Tests.Contexts;

/// <summary>
/// The exact contexts-to-weights map of linear attention: p(· | C ⊕ x, w) = p(· | x, F_C(w)) to 1e-10 in float64 for
/// random weights at a scale where every part matters (checked by two wrong maps that must fail by far), for trained
/// weights, one and two layers, random contexts and queries and corpus windows; the functional form; the errors.
/// </summary>
public sealed class LinearContextMapTests
{
    private const double Exact = 1e-10;

    /// <summary>How far a map missing one part must be at least: many orders of magnitude above <see cref="Exact"/>.</summary>
    private const double Wrong = 1e-3;

    private static readonly CorpusSpec Corpus = CorpusSpec.Default with { TasksPerFamily = 4, ContextLength = 12 };

    private static TransformerConfig Linear(int layers = 1, bool mlp = true, bool layerNorm = true) =>
        new(new Vocabulary(Corpus).Count, Corpus.ContextLength, ModelDimension: 12, Layers: layers, Heads: 3, Mlp: mlp, LayerNorm: layerNorm,
            Attention: AttentionKind.Linear);

    private static Transformer Random(TransformerConfig config, long seed, double scale = 1.0)
    {
        var model = new Transformer(config);
        model.to(ScalarType.Float64);
        model.eval();
        LinearContextIdentity.DrawWeights(model, seed, scale);
        return model;
    }

    [Theory]
    [InlineData(1, true, true)]
    [InlineData(1, false, false)]
    [InlineData(2, true, true)]
    [InlineData(2, false, false)]
    [InlineData(3, true, true)]
    public void IdentityHoldsForRandomWeightsAndEachPartOfTheMapIsNeeded(int layers, bool mlp, bool layerNorm)
    {
        TorchRuntime.Initialize();
        for (long seed = 1; seed <= 3; seed++)
        {
            using var mother = Random(Linear(layers, mlp, layerNorm), seed);
            var check = LinearContextIdentity.RandomCases(mother, $"seed {seed}", contexts: 4, queries: 3, seed: seed);
            Assert.Equal(1, check.Cases.Min(c => c.ContextLength)); // m spread over 1..C−1
            Assert.Equal(Corpus.ContextLength - 1, check.Cases.Max(c => c.ContextLength));
            Assert.True(check.WorstError <= Exact, $"worst error {check.WorstError:E2} (layers {layers}, seed {seed})");
            Assert.True(check.SmallestAblationError >= Wrong, $"a map without M_C or without the shift is only {check.SmallestAblationError:E2} off: no power");
        }
    }

    [Fact]
    public void IdentityHoldsForTrainedWeightsOnRandomContextsAndCorpusWindows()
    {
        TorchRuntime.Initialize(1);
        var recipe = new TrainingRunConfig(Corpus, Linear(),
            new TrainingConfig(Steps: 60, BatchSize: 16, LearningRate: 1e-2, WarmupSteps: 5, TrainingWindows: 512, EvaluationWindows: 8, Checkpoints: 2));
        var (trained, run) = Trainer.Train(recipe);
        Assert.True(run.StepLosses[^5..].Average() < run.StepLosses[..5].Average(), "the model should have learned something");
        using var mother = LinearContextMap.Float64Copy(trained);
        trained.Dispose();
        Assert.NotEqual(0.0, mother.Blocks[0].Attention.ContextMap!.abs().max().item<double>()); // D trained away from 0: D + M_C is tested, not D = M_C
        var windows = new CorpusGenerator(new TrueDistribution(Corpus)).Sample(3, 17);
        var check = LinearContextIdentity.Combine(
            LinearContextIdentity.RandomCases(mother, "trained", contexts: 5, queries: 4, seed: 3),
            LinearContextIdentity.WindowCases(mother, "trained, windows", windows, [1, 3, 6, 11]));
        Assert.Equal(5 + 3 * 4, check.Cases.Count);
        Assert.True(check.WorstError <= Exact, $"worst error {check.WorstError:E2}");
        Assert.True(check.SmallestAblationError >= 1e-6, $"the wrong maps are only {check.SmallestAblationError:E2} off");
        var table = check.ToDataFrame();
        Assert.Equal(check.Cases.Count, table.Rows.Count);
        Assert.Contains("error_without_shift", table.Columns.Select(c => c.Name));
    }

    /// <summary>For one layer, M_C against Σ_h W_O W_V (Σ_c e_c e_cᵀ) W_Kᵀ W_Q built from the embeddings by a loop, and
    /// F_C(w) against its definition: D + M_C, positions shifted by m, all else the same tensors.</summary>
    [Fact]
    public void FunctionalFormIsTheFormulaAndIsDifferentiable()
    {
        TorchRuntime.Initialize();
        using var mother = Random(Linear(), 4);
        using var scope = NewDisposeScope();
        int[] context = [3, 0, 3, 9, 1];
        var map = new LinearContextMap(mother.Config, context);
        var w = LinearContextMap.WeightsOf(mother);
        var sigma = zeros(12, 12, dtype: ScalarType.Float64);
        for (int c = 0; c < context.Length; c++)
        {
            var e = w["token_embedding.weight"][context[c]] + w["position_embedding.weight"][c];
            sigma += e.outer(e);
        }
        var expected = zeros(12, 12, dtype: ScalarType.Float64);
        foreach (var h in mother.Blocks[0].Attention.Heads)
            expected += h.Output.matmul(h.Value).matmul(sigma).matmul(h.Key.t()).matmul(h.Query);
        var increment = map.Increment(w);
        Assert.Equal(new long[] { 1, 12, 12 }, increment.shape);
        Assert.True(increment[0].allclose(expected, rtol: 1e-12, atol: 1e-12));

        var daughter = map.Apply(w);
        Assert.Equal(w.Keys.OrderBy(k => k), daughter.Keys.OrderBy(k => k));
        Assert.True(daughter[Transformer.ContextMapParameterName(0)].allclose(w[Transformer.ContextMapParameterName(0)] + expected, rtol: 1e-12, atol: 1e-12));
        var p = w["position_embedding.weight"];
        Assert.True(daughter["position_embedding.weight"].narrow(0, 0, 7).equal(p.narrow(0, 5, 7)).all().item<bool>());
        Assert.Equal(0.0, daughter["position_embedding.weight"].narrow(0, 7, 5).abs().max().item<double>());
        foreach (var key in w.Keys.Where(k => k != "position_embedding.weight" && !k.Contains("context_map")))
            Assert.Same(w[key], daughter[key]);

        // Differentiable: the increment has a gradient in the heads and embeddings, none in the MLP.
        var grads = autograd.grad([increment.square().sum()], [w["blocks.0.attention.heads.1.query.weight"], w["token_embedding.weight"], w["blocks.0.mlp.0.weight"]],
            allow_unused: true);
        Assert.True(grads[0].abs().max().item<double>() > 0);
        Assert.True(grads[1].abs().max().item<double>() > 0);
        Assert.True(grads[2] is null || grads[2].IsInvalid);
        Assert.Equal(map.InputNames.Count, map.InputNames.Distinct().Count());
    }

    [Fact]
    public void DaughterKeepsDtypeModeAndTheMotherUnchanged()
    {
        TorchRuntime.Initialize();
        using var mother = Random(Linear(2), 6);
        var before = mother.parameters().Select(p => p.clone()).ToArray();
        using var daughter = new LinearContextMap(mother.Config, [1, 2]).Daughter(mother);
        Assert.Equal(ScalarType.Float64, daughter.parameters().First().dtype);
        Assert.False(daughter.training);
        var after = mother.parameters().ToArray();
        for (int i = 0; i < before.Length; i++) Assert.True(before[i].equal(after[i]).all().item<bool>());
    }

    [Fact]
    public void BadInputGetsAClearError()
    {
        TorchRuntime.Initialize();
        using var mother = Random(Linear(), 1);
        using var query = zeros(2, 9, dtype: ScalarType.Int64);
        var tooLong = Assert.Throws<ArgumentException>(() => LinearContextIdentity.Compare(mother, [1, 2, 3, 4], query, "w"));
        Assert.Contains("4 + 9 = 13 exceeds the context length C = 12", tooLong.Message);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => new LinearContextMap(mother.Config, [])).Message);
        Assert.Contains("no room for a query", Assert.Throws<ArgumentException>(() => new LinearContextMap(mother.Config, new int[12])).Message);
        Assert.Contains("outside the vocabulary", Assert.Throws<ArgumentException>(() => new LinearContextMap(mother.Config, [1, 999])).Message);
        var softmax = Assert.Throws<ArgumentException>(() => new LinearContextMap(mother.Config with { Attention = AttentionKind.Softmax }, [1]));
        Assert.Contains("only for linear attention", softmax.Message);
        var other = new LinearContextMap(mother.Config with { Heads = 4 }, [1]);
        Assert.Contains("architecture", Assert.Throws<ArgumentException>(() => other.Daughter(mother)).Message);
        Assert.Contains("no 'blocks.0.attention.heads.0.query.weight'",
            Assert.Throws<ArgumentException>(() => new LinearContextMap(mother.Config, [1]).Increment(new Dictionary<string, Tensor>
            {
                ["token_embedding.weight"] = zeros(30, 12), ["position_embedding.weight"] = zeros(12, 12),
            })).Message);
    }
}
