using System.Text.Json.Nodes;
using Slt.Model;
using Slt.Platform;
using Slt.Truth;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Tests.Cli;

/// <summary><c>slt checkpoint export|import</c> as a user runs them: a round trip through nanoGPT's layout, and the errors.</summary>
public sealed class CheckpointCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("slt-checkpoint-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ExportToNanoGptAndImportBackGivesTheSameModel()
    {
        TorchRuntime.Initialize();
        var spec = CorpusSpec.Default;
        var config = new TransformerConfig(new Vocabulary(spec).Count, spec.ContextLength, ModelDimension: 16, Layers: 1, Heads: 4);
        using var model = new Transformer(config, seed: 9);
        using (no_grad())
        using (var generator = new Generator(4))
            foreach (var p in model.parameters()) p.normal_(0.0, 0.3, generator);
        string checkpoint = Path.Combine(_dir, "m.ckpt"), pt = Path.Combine(_dir, "nano.pt"), back = Path.Combine(_dir, "back.ckpt");
        TransformerCheckpoint.Save(checkpoint, model, step: 7, spec.ToJson());

        var export = CliProcess.Run(TimeSpan.FromMinutes(2), "checkpoint", "export", "--checkpoint", checkpoint, "--out", pt, "--layout", "nanogpt", "--json");
        Assert.True(export.ExitCode == 0, export.Stdout + export.Stderr);
        var exported = JsonNode.Parse(export.Stdout)!;
        Assert.Equal(4, exported["model_args"]!["n_head"]!.GetValue<int>());
        Assert.Equal(7, exported["step"]!.GetValue<long>());

        var missingHeads = CliProcess.Run(TimeSpan.FromMinutes(2), "checkpoint", "import", "--state-dict", pt, "--out", back);
        Assert.Equal(1, missingHeads.ExitCode);
        Assert.Contains("--heads", Text(missingHeads));

        var import = CliProcess.Run(TimeSpan.FromMinutes(2), "checkpoint", "import", "--state-dict", pt, "--heads", "4", "--out", back, "--corpus",
            RepositoryPaths.Path("data", "default.corpus.json"), "--json");
        Assert.True(import.ExitCode == 0, import.Stdout + import.Stderr);
        var imported = JsonNode.Parse(import.Stdout)!;
        Assert.Equal("nanogpt", imported["layout"]!.GetValue<string>());
        Assert.Equal(model.ParameterCount, imported["parameters"]!.GetValue<long>());
        var (loaded, header) = TransformerCheckpoint.Load(back);
        using var _ = loaded;
        Assert.Equal(config, header.Config);
        Assert.NotNull(header.CorpusSpecJson);
        var original = model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        foreach (var (name, p) in loaded.named_parameters())
            Assert.True(p.equal(original[name]).all().item<bool>(), $"{name} differs");
    }

    /// <summary>The console wraps long messages: compare with whitespace runs made single spaces.</summary>
    private static string Text(CliProcess.Outcome run) => System.Text.RegularExpressions.Regex.Replace(run.Stdout + run.Stderr, @"\s+", " ");

    [Fact]
    public void BadInputExitsOneAndUsageErrorsExitSixtyFour()
    {
        string junk = Path.Combine(_dir, "junk.safetensors");
        File.WriteAllText(junk, "nothing here");
        var bad = CliProcess.Run(TimeSpan.FromMinutes(2), "checkpoint", "import", "--state-dict", junk, "--out", Path.Combine(_dir, "x.ckpt"));
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("neither a torch.save zip archive nor a safetensors file", Text(bad));
        var layout = CliProcess.Run(TimeSpan.FromMinutes(2), "checkpoint", "export", "--checkpoint", junk, "--out", Path.Combine(_dir, "x.pt"), "--layout", "gpt2");
        Assert.Equal(64, layout.ExitCode);
        Assert.Contains("--layout must be slt or nanogpt", Text(layout));
        var extension = CliProcess.Run(TimeSpan.FromMinutes(2), "checkpoint", "export", "--checkpoint", junk, "--out", Path.Combine(_dir, "x.onnx"));
        Assert.Equal(64, extension.ExitCode);
        Assert.Contains(".safetensors", Text(extension));
    }
}
