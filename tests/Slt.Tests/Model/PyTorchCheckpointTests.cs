using Slt.Model;
using Slt.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Tests.Model;

/// <summary>
/// State dicts in and out without Python: exact round trips in both layouts and both file formats, the nanoGPT name map
/// restated entry by entry, and every refusal naming its key. (The comparison with real PyTorch is
/// <see cref="PyTorchRoundTripTests"/>.)
/// </summary>
public sealed class PyTorchCheckpointTests : IDisposable
{
    private static readonly TransformerConfig Small = new(VocabularySize: 19, ContextLength: 10, ModelDimension: 12, Layers: 2, Heads: 3);
    private readonly string _dir = Directory.CreateTempSubdirectory("slt-pytorch-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A model whose every parameter (norm gains and biases included) is a distinct random number.</summary>
    private static Transformer Random(TransformerConfig config, long seed)
    {
        var model = new Transformer(config, seed);
        using var generator = new Generator((ulong)seed + 100);
        using var noGrad = no_grad();
        foreach (var p in model.parameters()) p.normal_(0.0, 0.3, generator);
        return model;
    }

    private static void AssertSameParameters(Transformer expected, Transformer actual)
    {
        Assert.Equal(expected.Config, actual.Config);
        var a = actual.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        foreach (var (name, p) in expected.named_parameters())
        {
            Assert.True(a.ContainsKey(name), $"missing {name}");
            Assert.Equal(p.dtype, a[name].dtype);
            Assert.True(p.equal(a[name]).all().item<bool>(), $"{name} differs");
        }
        Assert.Equal(expected.named_parameters().Count(), a.Count);
    }

    [Theory]
    [InlineData("slt", "m.pt", false)]
    [InlineData("slt", "m.safetensors", true)]
    [InlineData("nanogpt", "m.pth", true)]
    [InlineData("nanogpt", "m.safetensors", false)]
    public void ExportThenImportGivesTheSameWeightsBitForBit(string layoutName, string file, bool float64)
    {
        TorchRuntime.Initialize();
        var layout = PyTorchCheckpoint.ParseLayout(layoutName);
        using var model = Random(Small, seed: 3);
        if (float64) model.to(ScalarType.Float64);
        string path = Path.Combine(_dir, file);
        PyTorchCheckpoint.Export(model, path, layout);
        var imported = PyTorchCheckpoint.Import(path, heads: layout == CheckpointLayout.NanoGpt ? Small.Heads : null);
        using var back = imported.Model;
        Assert.Equal(layout, imported.Layout);
        AssertSameParameters(model, back);
    }

    [Fact]
    public void AttentionOnlyModelsWithoutLayerNormRoundTripInTheWorkbookLayoutAndAreRefusedByNanoGpts()
    {
        TorchRuntime.Initialize();
        var config = Small with { Mlp = false, LayerNorm = false, MlpDimension = 0 };
        using var model = Random(config, seed: 4);
        string path = Path.Combine(_dir, "attn.safetensors");
        PyTorchCheckpoint.Export(model, path);
        using var back = PyTorchCheckpoint.Import(path).Model;
        AssertSameParameters(model, back);
        var e = Assert.Throws<ArgumentException>(() => PyTorchCheckpoint.Export(model, Path.Combine(_dir, "attn.pt"), CheckpointLayout.NanoGpt));
        Assert.Contains("LayerNorm = False, Mlp = False", e.Message);
        Assert.Contains("slt", e.Message);
        // A non-default MLP width is inferred from the shapes.
        using var wide = Random(Small with { MlpDimension = 20 }, seed: 5);
        PyTorchCheckpoint.Export(wide, path);
        using var wideBack = PyTorchCheckpoint.Import(path).Model;
        AssertSameParameters(wide, wideBack);
    }

    /// <summary>The nanoGPT map restated entry by entry from the fused layout's definition.</summary>
    [Fact]
    public void NanoGptExportStacksHeadsQueryKeyValueAndOutputColumns()
    {
        TorchRuntime.Initialize();
        using var model = Random(Small, seed: 6);
        var sd = PyTorchCheckpoint.ToStateDict(model, CheckpointLayout.NanoGpt);
        try
        {
            int d = Small.ModelDimension, dh = Small.HeadDimension;
            var expectedKeys = new List<string> { "transformer.wte.weight", "transformer.wpe.weight", "transformer.ln_f.weight", "transformer.ln_f.bias", "lm_head.weight", "lm_head.bias" };
            for (int i = 0; i < Small.Layers; i++)
                foreach (var m in new[] { "ln_1", "attn.c_attn", "attn.c_proj", "ln_2", "mlp.c_fc", "mlp.c_proj" })
                    expectedKeys.AddRange([$"transformer.h.{i}.{m}.weight", $"transformer.h.{i}.{m}.bias"]);
            Assert.Equal(expectedKeys.OrderBy(k => k, StringComparer.Ordinal), sd.Keys.OrderBy(k => k, StringComparer.Ordinal));
            var p = model.named_parameters().ToDictionary(x => x.name, x => (Tensor)x.parameter);
            for (int i = 0; i < Small.Layers; i++)
            {
                var cAttn = sd[$"transformer.h.{i}.attn.c_attn.weight"];
                var cProj = sd[$"transformer.h.{i}.attn.c_proj.weight"];
                Assert.Equal(new long[] { 3 * d, d }, cAttn.shape);
                for (int h = 0; h < Small.Heads; h++)
                    for (int r = 0; r < dh; r++)
                    {
                        string head = $"blocks.{i}.attention.heads.{h}.";
                        Assert.True(cAttn[h * dh + r].equal(p[head + "query.weight"][r]).all().item<bool>());
                        Assert.True(cAttn[d + h * dh + r].equal(p[head + "key.weight"][r]).all().item<bool>());
                        Assert.True(cAttn[2 * d + h * dh + r].equal(p[head + "value.weight"][r]).all().item<bool>());
                        Assert.True(cProj[.., h * dh + r].equal(p[head + "output.weight"][.., r]).all().item<bool>());
                    }
                Assert.Equal(0, sd[$"transformer.h.{i}.attn.c_attn.bias"].count_nonzero().item<long>());
                Assert.Equal(0, sd[$"transformer.h.{i}.attn.c_proj.bias"].count_nonzero().item<long>());
                Assert.True(sd[$"transformer.h.{i}.mlp.c_fc.weight"].equal(p[$"blocks.{i}.mlp.0.weight"]).all().item<bool>());
                Assert.True(sd[$"transformer.h.{i}.ln_2.bias"].equal(p[$"blocks.{i}.mlp_norm.bias"]).all().item<bool>());
            }
            Assert.True(sd["lm_head.bias"].equal(p["unembedding.bias"]).all().item<bool>());
        }
        finally
        {
            foreach (var t in sd.Values) t.Dispose();
        }
    }

    /// <summary>A nanoGPT dict with bias=False (no biases), tied lm_head absent, causal-mask buffers and torch.compile's
    /// prefix imports, noting each thing it filled in.</summary>
    [Fact]
    public void NanoGptBiasFreeTiedDictImportsWithNotes()
    {
        TorchRuntime.Initialize();
        using var model = Random(Small, seed: 7);
        var sd = PyTorchCheckpoint.ToStateDict(model, CheckpointLayout.NanoGpt);
        foreach (var key in sd.Keys.Where(k => k.EndsWith(".bias", StringComparison.Ordinal)).ToList()) { sd[key].Dispose(); sd.Remove(key); }
        sd["lm_head.weight"].Dispose();
        sd.Remove("lm_head.weight");
        for (int i = 0; i < Small.Layers; i++)
            sd[$"transformer.h.{i}.attn.bias"] = ones(Small.ContextLength, Small.ContextLength).tril().view(1, 1, Small.ContextLength, Small.ContextLength);
        var prefixed = sd.ToDictionary(kv => "_orig_mod." + kv.Key, kv => kv.Value);
        var imported = PyTorchCheckpoint.FromStateDict(prefixed, heads: Small.Heads);
        using var back = imported.Model;
        string notes = string.Join("\n", imported.Notes);
        foreach (var expected in new[] { "'_orig_mod.'", "lm_head.weight absent", "lm_head.bias absent", "LayerNorm biases absent", "MLP biases absent", "causal-mask" })
            Assert.Contains(expected, notes);
        var p = back.named_parameters().ToDictionary(x => x.name, x => (Tensor)x.parameter);
        Assert.True(p["unembedding.weight"].equal(p["token_embedding.weight"]).all().item<bool>());
        Assert.Equal(0, p["blocks.1.mlp_norm.bias"].count_nonzero().item<long>());
        foreach (var t in sd.Values) t.Dispose();
    }

    /// <summary>Builds a valid nanoGPT dict, lets <paramref name="spoil"/> change it, and returns the import's error.</summary>
    private static Exception ImportError(Action<Dictionary<string, Tensor>> spoil, int? heads = 3)
    {
        TorchRuntime.Initialize();
        using var model = Random(Small, seed: 8);
        var sd = PyTorchCheckpoint.ToStateDict(model, CheckpointLayout.NanoGpt);
        try
        {
            spoil(sd);
            return Assert.ThrowsAny<Exception>(() => PyTorchCheckpoint.FromStateDict(sd, heads: heads, source: "'test.pt'").Model.Dispose());
        }
        finally
        {
            foreach (var t in sd.Values) t.Dispose();
        }
    }

    [Fact]
    public void BiasesOurAttentionCannotHoldAreRefusedNamingTheKey()
    {
        var query = ImportError(sd => sd["transformer.h.1.attn.c_attn.bias"][2] = tensor(0.5f));
        Assert.IsType<InvalidDataException>(query);
        Assert.Contains("'transformer.h.1.attn.c_attn.bias'", query.Message);
        Assert.Contains("query bias", query.Message);
        Assert.Contains("0.5", query.Message);
        var value = ImportError(sd => sd["transformer.h.0.attn.c_attn.bias"][2 * 12 + 5] = tensor(-0.25f));
        Assert.Contains("value bias", value.Message);
        var output = ImportError(sd => sd["transformer.h.0.attn.c_proj.bias"][0] = tensor(1f));
        Assert.Contains("'transformer.h.0.attn.c_proj.bias'", output.Message);
        Assert.Contains("output bias", output.Message);
        // The key bias is the exception: softmax ignores it, so it is dropped and said so.
        TorchRuntime.Initialize();
        using var model = Random(Small, seed: 8);
        var sd = PyTorchCheckpoint.ToStateDict(model, CheckpointLayout.NanoGpt);
        sd["transformer.h.0.attn.c_attn.bias"][12 + 3] = tensor(0.75f);
        var imported = PyTorchCheckpoint.FromStateDict(sd, heads: 3);
        using var back = imported.Model;
        Assert.Contains(imported.Notes, n => n.Contains("dropped the key part", StringComparison.Ordinal));
        foreach (var t in sd.Values) t.Dispose();
    }

    [Fact]
    public void UnknownKeysWrongShapesNonFiniteValuesAndMissingHeadsAreRefusedNamingTheKey()
    {
        var unknown = ImportError(sd => sd["transformer.h.0.attn.rotary.inv_freq"] = ones(4));
        Assert.IsType<InvalidDataException>(unknown);
        Assert.Contains("'transformer.h.0.attn.rotary.inv_freq' [4]", unknown.Message);

        var transposed = ImportError(sd => sd["transformer.h.1.mlp.c_fc.weight"] = sd["transformer.h.1.mlp.c_fc.weight"].t().contiguous());
        Assert.Contains("'transformer.h.1.mlp.c_fc.weight' has shape [12, 48], expected [48, 12]", transposed.Message);
        Assert.Contains("transpose", transposed.Message);

        var nan = ImportError(sd => sd["transformer.h.0.ln_2.weight"][1] = tensor(float.NaN));
        Assert.Contains("'transformer.h.0.ln_2.weight' holds a non-finite value", nan.Message);

        var integer = ImportError(sd => sd["transformer.wpe.weight"] = zeros(10, 12, dtype: ScalarType.Int64));
        Assert.Contains("'transformer.wpe.weight' holds Int64", integer.Message);

        var mask = ImportError(sd => sd["transformer.h.0.attn.bias"] = ones(1, 1, 10, 10));
        Assert.Contains("'transformer.h.0.attn.bias' is not the causal mask", mask.Message);

        var missing = ImportError(sd => sd.Remove("transformer.h.1.attn.c_proj.weight"));
        Assert.Contains("'transformer.h.1.attn.c_proj.weight' is missing", missing.Message);

        var noHeads = ImportError(_ => { }, heads: null);
        Assert.IsType<ArgumentException>(noHeads);
        Assert.Contains("--heads", noHeads.Message);

        var badHeads = ImportError(_ => { }, heads: 5);
        Assert.Contains("heads must divide modelDimension = 12", badHeads.Message);

        var neither = Assert.Throws<InvalidDataException>(() => PyTorchCheckpoint.FromStateDict(new Dictionary<string, Tensor> { ["encoder.weight"] = ones(2) }));
        Assert.Contains("'encoder.weight'", neither.Message);
    }

    [Fact]
    public void FilesThatAreNotStateDictsGiveClearErrors()
    {
        string junk = Path.Combine(_dir, "junk.pt");
        File.WriteAllText(junk, "not a checkpoint");
        Assert.Contains("neither a torch.save zip archive nor a safetensors file", Assert.Throws<InvalidDataException>(() => PyTorchCheckpoint.Import(junk)).Message);
        string legacy = Path.Combine(_dir, "legacy.pt");
        File.WriteAllBytes(legacy, [0x80, 0x02, 0x8a, 0x0a]);
        Assert.Contains("without the zip container", Assert.Throws<InvalidDataException>(() => PyTorchCheckpoint.Import(legacy)).Message);
        Assert.Throws<FileNotFoundException>(() => PyTorchCheckpoint.Import(Path.Combine(_dir, "absent.pt")));
        TorchRuntime.Initialize();
        using var model = new Transformer(Small);
        Assert.Contains("'.onnx'", Assert.Throws<ArgumentException>(() => PyTorchCheckpoint.Export(model, Path.Combine(_dir, "m.onnx"))).Message);
        // A torch.save file whose dict holds something other than tensors is not a state dict.
        string path = Path.Combine(_dir, "m.pt");
        PyTorchCheckpoint.Export(model, path);
        var bytes = File.ReadAllBytes(path);
        string cut = Path.Combine(_dir, "cut.pt");
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        Assert.Contains("cut.pt", Assert.Throws<InvalidDataException>(() => PyTorchCheckpoint.Import(cut)).Message);
    }
}
