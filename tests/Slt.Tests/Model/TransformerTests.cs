using Slt.Model;
using Slt.Platform;
using static TorchSharp.torch;

namespace Slt.Tests.Model;

public sealed class TransformerTests
{
    private static readonly TransformerConfig Small = new(VocabularySize: 20, ContextLength: 12, ModelDimension: 16, Layers: 2, Heads: 2);

    [Fact]
    public void ParameterNamesAreStableDownToOneHead()
    {
        TorchRuntime.Initialize();
        using var model = new Transformer(Small);
        var names = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        foreach (string n in Transformer.HeadParameterNames(1, 1)) Assert.Contains(n, names.Keys);
        Assert.Equal(new long[] { 8, 16 }, names["blocks.0.attention.heads.1.query.weight"]);
        Assert.Equal(new long[] { 16, 8 }, names["blocks.1.attention.heads.0.output.weight"]);
        foreach (string n in new[] { "token_embedding.weight", "position_embedding.weight", "blocks.0.attention_norm.weight",
                     "blocks.0.mlp.0.weight", "blocks.1.mlp_norm.bias", "final_norm.weight", "unembedding.bias" })
            Assert.Contains(n, names.Keys);
        Assert.Equal(names.Values.Sum(s => s.Aggregate(1L, (a, b) => a * b)), model.ParameterCount);
    }

    [Fact]
    public void AttentionOnlyWithoutLayerNormHasNoMlpOrNormParameters()
    {
        TorchRuntime.Initialize();
        using var model = new Transformer(Small with { Mlp = false, LayerNorm = false });
        Assert.DoesNotContain(model.named_parameters(), p => p.name.Contains("mlp") || p.name.Contains("norm"));
    }

    [Fact]
    public void OneForwardPassPredictsEveryLengthCausally()
    {
        // Changing token j must leave the predictions for inputs of length ≤ j (positions < j) unchanged.
        TorchRuntime.Initialize();
        using var model = new Transformer(Small, seed: 2);
        using var scope = NewDisposeScope();
        var x = randint(0, 20, [3, 12], generator: new Generator(1)).to_type(ScalarType.Int64);
        var y = x.clone();
        y[.., 7] = (y[.., 7] + 1) % 20;
        var a = model.forward(x);
        var b = model.forward(y);
        Assert.Equal(new long[] { 3, 12, 20 }, a.shape);
        Assert.True(a.narrow(1, 0, 7).allclose(b.narrow(1, 0, 7), rtol: 0, atol: 1e-6));
        Assert.False(a.narrow(1, 7, 5).allclose(b.narrow(1, 7, 5), rtol: 0, atol: 1e-6));
        // A prefix on its own gets the same predictions as inside the full window.
        Assert.True(model.forward(x.narrow(1, 0, 5)).allclose(a.narrow(1, 0, 5), rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void InvalidConfigNamesTheParameter()
    {
        Assert.Equal("Heads", Assert.Throws<ArgumentOutOfRangeException>(() => (Small with { Heads = 3 }).Validate()).ParamName);
        Assert.Equal("Layers", Assert.Throws<ArgumentOutOfRangeException>(() => (Small with { Layers = 0 }).Validate()).ParamName);
        Assert.Equal("VocabularySize", Assert.Throws<ArgumentOutOfRangeException>(() => (Small with { VocabularySize = 1 }).Validate()).ParamName);
    }

    [Fact]
    public void SameSeedSameInitialWeights()
    {
        TorchRuntime.Initialize();
        using var a = new Transformer(Small, seed: 9);
        using var b = new Transformer(Small, seed: 9);
        using var c = new Transformer(Small, seed: 10);
        var pa = a.parameters().ToArray(); var pb = b.parameters().ToArray(); var pc = c.parameters().ToArray();
        for (int i = 0; i < pa.Length; i++) Assert.True(pa[i].equal(pb[i]).all().item<bool>());
        Assert.Contains(Enumerable.Range(0, pa.Length), i => !pa[i].equal(pc[i]).all().item<bool>());
    }
}
