using System.Text.Json.Nodes;
using Slt.Model;
using Slt.Platform;
using Slt.Truth;

namespace Slt.Tests.Cli;

/// <summary><c>slt contexts rank-one</c> and <c>slt contexts fit</c> on a tiny random checkpoint: the JSON's shape, the exact identity, clear errors.</summary>
public sealed class ContextsFitCommandTests : IDisposable
{
    private readonly string _checkpoint;

    public ContextsFitCommandTests()
    {
        TorchRuntime.Initialize();
        var spec = CorpusSpec.Default;
        _checkpoint = Path.Combine(Path.GetTempPath(), $"slt-contexts-cli-{Environment.ProcessId}-{Guid.NewGuid():N}.ckpt");
        using var model = new Transformer(new TransformerConfig(new Vocabulary(spec).Count, spec.ContextLength, ModelDimension: 16, Layers: 2, Heads: 2), seed: 4);
        TransformerCheckpoint.Save(_checkpoint, model, 7, spec.ToJson());
    }

    public void Dispose() => File.Delete(_checkpoint);

    [Fact]
    public void RankOnePrintsTheIdentityRankAndSpreadPerFamilyAndLength()
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(3), "contexts", "rank-one", "--checkpoint", _checkpoint, "--lengths", "1,3", "--queries", "3", "--query-length", "4", "--json");
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        var json = JsonNode.Parse(run.Stdout)!.AsObject();
        Assert.Equal(7, json["step"]!.GetValue<long>());
        Assert.Equal("blocks.1.mlp.0.weight", json["updated_weight"]!.GetValue<string>());
        Assert.Equal("blocks.1.mlp.2.bias", json["absorbing_bias"]!.GetValue<string>());
        Assert.True(json["worst_identity_error"]!.GetValue<double>() <= 1e-9);
        Assert.True(json["worst_sigma2_over_sigma1"]!.GetValue<double>() < 1e-12);
        var cells = json["cells"]!.AsArray();
        Assert.Equal(4, cells.Count); // 2 families × 2 lengths
        Assert.Equal(new[] { 1, 3, 1, 3 }, cells.Select(c => c!["m"]!.GetValue<int>()));
        foreach (var cell in cells)
        {
            foreach (string key in new[] { "family", "task", "identity_error", "error_without_bias", "sigma2_over_sigma1", "spread", "mean_cosine", "min_cosine", "bias_spread", "relative_size" })
                Assert.True(cell!.AsObject().ContainsKey(key), $"missing {key}");
            Assert.True(cell!["error_without_bias"]!.GetValue<double>() > cell["identity_error"]!.GetValue<double>());
        }
    }

    [Fact]
    public void FitPrintsRPerFamilyAndLengthAndTheDegeneracy()
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(4), "contexts", "fit", "--checkpoint", _checkpoint, "--lengths", "2,5", "--query-length", "3",
            "--train-queries", "4", "--test-queries", "3", "--steps", "5", "--subset", "last-mlp", "--degeneracy", "--contexts-per-family", "2",
            "--degeneracy-length", "2", "--workers", "1", "--json");
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        var json = JsonNode.Parse(run.Stdout)!.AsObject();
        Assert.Equal("last-mlp", json["subset"]!.GetValue<string>());
        Assert.Equal(new[] { 7 }, json["steps"]!.AsArray().Select(s => s!.GetValue<int>()));
        Assert.Equal(5, json["settings"]!["steps"]!.GetValue<int>());
        var final = json["final"]!.AsArray();
        Assert.Equal(4, final.Count);
        foreach (var cell in final)
        {
            foreach (string key in new[] { "family", "task", "m", "R", "R_se", "kl_fit", "kl_no_change", "kl_truth_mother", "kl_truth_daughter", "kl_truth_zero_shot", "fit_tail_drop" })
                Assert.True(cell!.AsObject().ContainsKey(key), $"missing {key}");
            double r = cell!["R"]!.GetValue<double>();
            Assert.Equal(cell["kl_fit"]!.GetValue<double>() / cell["kl_no_change"]!.GetValue<double>(), r, 9);
        }
        Assert.Single(json["checkpoints"]!.AsArray());
        var degeneracy = json["degeneracy"]!.AsObject();
        Assert.Equal(3, degeneracy["spectra"]!.AsArray().Count); // garage, zoo, all
        Assert.Equal(4, degeneracy["contexts"]!.AsArray().Count);
        Assert.True(degeneracy["blocks"]!.AsArray().Count > 0);
        Assert.False(json["from_cache"]!.GetValue<bool>());
    }

    [Fact]
    public void BadInputGivesAMessageAndANonZeroExit()
    {
        var unknown = CliProcess.Run(TimeSpan.FromMinutes(2), "contexts", "fit", "--checkpoint", _checkpoint, "--lengths", "2", "--subset", "nosuch", "--steps", "2", "--json");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("nosuch", unknown.Stdout + unknown.Stderr);
        var tooLong = CliProcess.Run(TimeSpan.FromMinutes(2), "contexts", "rank-one", "--checkpoint", _checkpoint, "--lengths", "30", "--query-length", "8", "--json");
        Assert.Equal(1, tooLong.ExitCode);
        Assert.Contains("C = 32", tooLong.Stdout + tooLong.Stderr);
        var lengths = CliProcess.Run(TimeSpan.FromMinutes(1), "contexts", "fit", "--checkpoint", _checkpoint, "--lengths", "1,x");
        Assert.Equal(64, lengths.ExitCode);
        Assert.Contains("'x'", lengths.Stdout + lengths.Stderr);
        var both = CliProcess.Run(TimeSpan.FromMinutes(1), "contexts", "rank-one", "--checkpoint", _checkpoint, "--config", "x.json");
        Assert.NotEqual(0, both.ExitCode);
    }
}
