using Slt.Contexts;
using Slt.Model;
using Slt.Platform;
using Slt.Training;
using Slt.Truth;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Tests.Model;

/// <summary>The linear-attention variant of the transformer: its parameters, its JSON, its formula, and that it trains.</summary>
public sealed class LinearAttentionTests
{
    private static readonly TransformerConfig Small = new(VocabularySize: 20, ContextLength: 12, ModelDimension: 12, Layers: 2, Heads: 3,
        Attention: AttentionKind.Linear);

    [Fact]
    public void LinearModelHasAContextMapPerLayerStartingAtZeroAndNoNormBeforeAttention()
    {
        TorchRuntime.Initialize();
        using var model = new Transformer(Small, seed: 1);
        var names = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        for (int l = 0; l < 2; l++)
        {
            var d = names[Transformer.ContextMapParameterName(l)];
            Assert.Equal(new long[] { 12, 12 }, d.shape);
            Assert.Equal(0.0, d.abs().max().item<float>());
            Assert.DoesNotContain($"blocks.{l}.attention_norm.weight", names.Keys);
            Assert.Contains($"blocks.{l}.mlp_norm.weight", names.Keys);
            foreach (string n in Transformer.HeadParameterNames(l, 2)) Assert.Contains(n, names.Keys);
        }
        Assert.Same(model.Blocks[1].Attention.ContextMap, names["blocks.1.attention.context_map.weight"]);
        // The softmax model is unchanged: no context map, a norm before attention.
        using var softmax = new Transformer(Small with { Attention = AttentionKind.Softmax });
        Assert.DoesNotContain(softmax.named_parameters(), p => p.name.Contains("context_map"));
        Assert.Contains(softmax.named_parameters(), p => p.name == "blocks.0.attention_norm.weight");
        Assert.Null(softmax.Blocks[0].Attention.ContextMap);
    }

    [Fact]
    public void AttentionKindRoundTripsThroughJsonAndSoftmaxJsonIsUnchanged()
    {
        string json = Small.ToJson();
        Assert.Contains("\"attention\": \"linear\"", json);
        Assert.Equal(Small, TransformerConfig.FromJson(json));
        var softmax = Small with { Attention = AttentionKind.Softmax };
        Assert.DoesNotContain("attention", softmax.ToJson()); // softmax configs (and recipe hashes) read and write as before
        Assert.Equal(softmax, TransformerConfig.FromJson(softmax.ToJson()));
        Assert.Equal(AttentionKind.Softmax, TransformerConfig.FromJson(json.Replace("\"linear\"", "\"softmax\"")).Attention);
        var unknown = Assert.Throws<InvalidDataException>(() => TransformerConfig.FromJson(json.Replace("\"linear\"", "\"quadratic\"")));
        Assert.Contains("attention", unknown.Message);
        Assert.Throws<InvalidDataException>(() => TransformerConfig.FromJson(json.Replace("\"linear\"", "1")));
        Assert.Equal("Attention", Assert.Throws<ArgumentOutOfRangeException>(() => (Small with { Attention = (AttentionKind)7 }).Validate()).ParamName);
    }

    /// <summary>
    /// The model's attention against the formula written out position by position in float64:
    /// out_i = Σ_h W_O W_V (Σ_{j≤i} e_j e_jᵀ) W_Kᵀ W_Q e_i + D e_i, with no softmax, no scaling, no norm.
    /// </summary>
    [Fact]
    public void LinearAttentionComputesTheCausalSumOfOuterProducts()
    {
        TorchRuntime.Initialize();
        using var model = new Transformer(Small with { Layers = 1 });
        model.to(ScalarType.Float64);
        for (long seed = 1; seed <= 3; seed++)
        {
            using var scope = NewDisposeScope();
            LinearContextIdentity.DrawWeights(model, seed);
            var attention = model.Blocks[0].Attention;
            var x = randn(2, 7, 12, dtype: ScalarType.Float64, generator: new Generator((ulong)seed));
            var output = attention.forward(x);
            for (int b = 0; b < 2; b++)
                for (int i = 0; i < 7; i++)
                {
                    var e = x[b];
                    var sigma = zeros(12, 12, dtype: ScalarType.Float64);
                    for (int j = 0; j <= i; j++) sigma += e[j].outer(e[j]);
                    var expected = attention.ContextMap!.matmul(e[i]);
                    foreach (var h in attention.Heads)
                        expected += h.Output.matmul(h.Value).matmul(sigma).matmul(h.Key.t()).matmul(h.Query).matmul(e[i]);
                    Assert.True(output[b, i].allclose(expected, rtol: 1e-12, atol: 1e-12), $"seed {seed}, position {i}");
                }
        }
    }

    [Fact]
    public void CheckpointsKeepTheAttentionKindAndTheContextMap()
    {
        TorchRuntime.Initialize();
        string path = Path.Combine(Path.GetTempPath(), $"slt-linear-{Guid.NewGuid():N}.ckpt");
        try
        {
            using var model = new Transformer(Small, seed: 3);
            LinearContextIdentity.DrawWeights(model, 4);
            TransformerCheckpoint.Save(path, model, 5);
            var (loaded, header) = TransformerCheckpoint.Load(path);
            using (loaded)
            {
                Assert.Equal(Small, header.Config);
                using var scope = NewDisposeScope();
                var x = randint(0, 20, [2, 12], generator: new Generator(3)).to_type(ScalarType.Int64);
                Assert.True(model.forward(x).equal(loaded.forward(x)).all().item<bool>());
            }
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void LinearModelIsCausal()
    {
        TorchRuntime.Initialize();
        using var model = new Transformer(Small, seed: 2);
        using var scope = NewDisposeScope();
        LinearContextIdentity.DrawWeights(model, 5);
        var x = randint(0, 20, [3, 12], generator: new Generator(1)).to_type(ScalarType.Int64);
        var y = x.clone();
        y[.., 7] = (y[.., 7] + 1) % 20;
        var a = model.forward(x);
        var b = model.forward(y);
        Assert.True(a.narrow(1, 0, 7).allclose(b.narrow(1, 0, 7), rtol: 0, atol: 1e-5));
        Assert.False(a.narrow(1, 7, 5).allclose(b.narrow(1, 7, 5), rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void ShippedLinearRecipeIsTheLibrarysAndTrainsWithoutDiverging()
    {
        var shipped = TrainingRunConfig.Load(RepositoryPaths.Path("data", "linear-attention.train.json"));
        Assert.Equal(TrainingRunConfig.LinearAttention.ToJson(), shipped.ToJson());
        Assert.Equal(AttentionKind.Linear, shipped.Model.Attention);
        Assert.Equal(1, shipped.Model.Layers);

        // The recipe's model and optimiser on a short run: finite losses that fall.
        TorchRuntime.Initialize(1);
        var brief = TrainingRunConfig.LinearAttention with
        {
            Training = TrainingRunConfig.LinearAttention.Training with { Steps = 80, WarmupSteps = 10, TrainingWindows = 2048, EvaluationWindows = 16, Checkpoints = 2 },
        };
        var (model, run) = Trainer.Train(brief);
        model.Dispose();
        Assert.All(run.StepLosses, l => Assert.True(double.IsFinite(l)));
        Assert.True(run.StepLosses[^10..].Average() < run.StepLosses[..10].Average() - 0.5, "The linear-attention model should learn.");
    }
}
