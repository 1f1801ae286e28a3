using System.Text.Json.Nodes;
using Slt.Model;
using Slt.Platform;
using Slt.Truth;

namespace Slt.Tests.Cli;

/// <summary><c>slt llc transformer</c> on a tiny checkpoint: the same JSON as the other models, no truth.</summary>
[Collection(Slt.Tests.Estimators.SamplingCollection.Name)]
public sealed class LlcTransformerCommandTests
{
    private static string TinyCheckpoint()
    {
        TorchRuntime.Initialize();
        var spec = CorpusSpec.Default;
        string path = Path.Combine(Path.GetTempPath(), $"slt-llc-tiny-{Environment.ProcessId}.ckpt");
        using var model = new Transformer(new TransformerConfig(new Vocabulary(spec).Count, spec.ContextLength, ModelDimension: 16, Layers: 1, Heads: 2), seed: 2);
        TransformerCheckpoint.Save(path, model, 0, spec.ToJson());
        return path;
    }

    private static readonly string[] Short =
        ["--windows", "24", "--evaluation-windows", "8", "--batch-size", "4", "--chains", "2", "--burn-in", "3", "--draws", "6", "--steps-between-draws", "1", "--json"];

    [Fact]
    public void RestrictedTransformerLlcPrintsTheCommonJsonWithoutTruth()
    {
        string checkpoint = TinyCheckpoint();
        var traces = Path.Combine(Path.GetTempPath(), $"slt-llc-tiny-{Environment.ProcessId}.csv");
        var run = CliProcess.Run(TimeSpan.FromMinutes(3), ["llc", "transformer", "--checkpoint", checkpoint, "--lengths", "1-4,9",
            "--traces", traces, "--epsilon", "1e-5", .. Short]);
        var json = JsonNode.Parse(run.Stdout)!.AsObject();
        // Six draws of two chains decide nothing: the exit code follows the verdict (0 usable, 2 divergent, 3 do not trust).
        int expected = json["trust"]!.GetValue<string>() switch { "Divergent" => 2, "Untrustworthy" => 3, _ => 0 };
        Assert.True(run.ExitCode == expected, run.Stdout + run.Stderr);
        foreach (var key in new[] { "llc_mean", "llc_se", "per_chain", "rhat", "ess", "mala_acceptance", "verdict", "settings", "truth" })
            Assert.True(json.ContainsKey(key), $"missing {key}");
        Assert.Null(json["truth"]);
        Assert.Null(json["epsilon_search"]); // a step was given
        Assert.Equal(2, json["per_chain"]!.AsArray().Count);
        // n counts windows (the i.i.d. units), whatever lengths are kept.
        Assert.Equal(24, json["settings"]!["n"]!.GetValue<long>());
        Assert.Equal(4, json["settings"]!["batch_size"]!.GetValue<int>());
        Assert.Equal("minibatch_excess", json["settings"]!["draw_loss"]!.GetValue<string>());
        double n = 24;
        Assert.Equal(n / Math.Log(n), json["settings"]!["nbeta"]!.GetValue<double>(), 9);
        Assert.Equal(1 + 2 * 6, File.ReadAllLines(traces).Length);
        File.Delete(traces);
        File.Delete(checkpoint);
    }

    /// <summary>A model from --checkpoint has no validated step: without --epsilon the step is searched, the search is
    /// reported, and it never goes below the starting step / 16.</summary>
    [Fact]
    public void CheckpointWithoutAStepSearchesIt()
    {
        string checkpoint = TinyCheckpoint();
        var run = CliProcess.Run(TimeSpan.FromMinutes(5), ["llc", "transformer", "--checkpoint", checkpoint, .. Short]);
        var json = JsonNode.Parse(run.Stdout)!.AsObject();
        var search = json["epsilon_search"]!.AsObject();
        var tried = search["tried"]!.AsArray();
        Assert.NotEmpty(tried);
        double start = Slt.Sampling.NextTokenTarget.DefaultSettings.StepSize;
        Assert.All(tried, t => Assert.True(t!["step_size"]!.GetValue<double>() >= start / 16 * (1 - 1e-9)));
        Assert.False(string.IsNullOrWhiteSpace(search["summary"]!.GetValue<string>()));
        File.Delete(checkpoint);
    }

    [Fact]
    public void BadLengthsAndMissingCheckpointGiveAMessage()
    {
        string checkpoint = TinyCheckpoint();
        var outside = CliProcess.Run(TimeSpan.FromMinutes(2), ["llc", "transformer", "--checkpoint", checkpoint, "--lengths", "0-3", .. Short]);
        Assert.Equal(1, outside.ExitCode);
        Assert.Contains("outside 1..31", outside.Stdout + outside.Stderr);
        var garbled = CliProcess.Run(TimeSpan.FromMinutes(2), ["llc", "transformer", "--checkpoint", checkpoint, "--lengths", "a-3", .. Short]);
        Assert.Equal(1, garbled.ExitCode);
        Assert.Contains("not an integer", garbled.Stdout + garbled.Stderr);
        var missing = CliProcess.Run(TimeSpan.FromMinutes(2), ["llc", "transformer", "--checkpoint", checkpoint + ".missing", .. Short]);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("does not exist", missing.Stdout + missing.Stderr);
        var wrongModel = CliProcess.Run(TimeSpan.FromMinutes(2), ["llc", "dln", "--lengths", "1-3"]);
        Assert.Equal(64, wrongModel.ExitCode);
        Assert.Contains("lengths", wrongModel.Stdout + wrongModel.Stderr);
        File.Delete(checkpoint);
    }
}
