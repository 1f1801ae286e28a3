using Slt.Model;
using Slt.Platform;
using static TorchSharp.torch;

namespace Slt.Tests.Model;

public sealed class TransformerCheckpointTests : IDisposable
{
    private static readonly TransformerConfig Small = new(VocabularySize: 20, ContextLength: 12, ModelDimension: 16, Layers: 2, Heads: 2);
    private readonly string _dir = Directory.CreateTempSubdirectory("slt-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void SaveAndLoadGiveTheSamePredictions()
    {
        TorchRuntime.Initialize();
        using var model = new Transformer(Small, seed: 5);
        string path = Path.Combine(_dir, "m.ckpt");
        TransformerCheckpoint.Save(path, model, step: 42, corpusSpecJson: "{\"x\":1}");
        var (loaded, header) = TransformerCheckpoint.Load(path);
        Assert.Equal(Small, header.Config);
        Assert.Equal(42, header.Step);
        Assert.Equal("{\"x\":1}", header.CorpusSpecJson);
        using var scope = NewDisposeScope();
        var x = randint(0, 20, [2, 12], generator: new Generator(3)).to_type(ScalarType.Int64);
        Assert.True(model.forward(x).allclose(loaded.forward(x), rtol: 0, atol: 0));
        using var other = new Transformer(Small, seed: 6);
        TransformerCheckpoint.LoadInto(path, other);
        Assert.True(model.forward(x).allclose(other.forward(x), rtol: 0, atol: 0));
    }

    [Fact]
    public void LoadingIntoADifferentArchitectureNamesTheDifference()
    {
        TorchRuntime.Initialize();
        using var model = new Transformer(Small);
        string path = Path.Combine(_dir, "m.ckpt");
        TransformerCheckpoint.Save(path, model, 0);
        using var wider = new Transformer(Small with { ModelDimension = 32 });
        var e = Assert.Throws<ArgumentException>(() => TransformerCheckpoint.LoadInto(path, wider));
        Assert.Contains("ModelDimension: checkpoint 16, model 32", e.Message);
    }

    [Fact]
    public void CorruptOrMissingFilesGiveClearErrors()
    {
        string junk = Path.Combine(_dir, "junk.ckpt");
        File.WriteAllText(junk, "not a checkpoint at all");
        Assert.Throws<InvalidDataException>(() => TransformerCheckpoint.Load(junk));
        Assert.Throws<FileNotFoundException>(() => TransformerCheckpoint.Load(Path.Combine(_dir, "absent.ckpt")));
        TorchRuntime.Initialize();
        using var model = new Transformer(Small);
        string path = Path.Combine(_dir, "m.ckpt");
        TransformerCheckpoint.Save(path, model, 0);
        var bytes = File.ReadAllBytes(path);
        string truncated = Path.Combine(_dir, "cut.ckpt");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => TransformerCheckpoint.Load(truncated));
        Assert.Contains("cut.ckpt", e.Message);
    }
}
