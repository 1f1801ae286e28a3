using System.Text.Json.Nodes;
using Slt.Contexts;
using Slt.Model;
using Slt.Platform;
using Slt.Truth;

namespace Slt.Tests.Cli;

/// <summary><c>slt contexts exact</c> and <c>slt contexts degeneracy</c> on a tiny linear-attention checkpoint: the JSON
/// shape, the figures within their exact values, and clear errors.</summary>
public sealed class ContextsCommandTests
{
    private static string TinyCheckpoint(AttentionKind attention)
    {
        TorchRuntime.Initialize();
        var spec = CorpusSpec.Default;
        string path = Path.Combine(Path.GetTempPath(), $"slt-contexts-{attention}-{Guid.NewGuid():N}.ckpt");
        using var model = new Transformer(new TransformerConfig(new Vocabulary(spec).Count, spec.ContextLength, ModelDimension: 8, Layers: 1, Heads: 2,
            Attention: attention), seed: 2);
        if (attention == AttentionKind.Linear) LinearContextIdentity.DrawWeights(model, 3, scale: 0.5);
        TransformerCheckpoint.Save(path, model, 7, spec.ToJson());
        return path;
    }

    [Fact]
    public void ExactPrintsTheIdentityAndVonOswaldErrors()
    {
        string checkpoint = TinyCheckpoint(AttentionKind.Linear);
        try
        {
            var run = CliProcess.Run(TimeSpan.FromMinutes(3), "contexts", "exact", "--checkpoint", checkpoint, "--seeds", "1", "--contexts", "3",
                "--queries", "2", "--windows", "1", "--problems", "4", "--json");
            Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
            var json = JsonNode.Parse(run.Stdout)!.AsObject();
            foreach (var key in new[] { "tolerance", "passed", "linear_identity", "von_oswald", "settings" })
                Assert.True(json.ContainsKey(key), $"missing {key}");
            Assert.True(json["passed"]!.GetValue<bool>());
            var identity = json["linear_identity"]!.AsObject();
            Assert.True(identity["worst_error"]!.GetValue<double>() <= 1e-10);
            var cases = identity["cases"]!.AsArray();
            // One random draw at 1 and at 2 layers (3 contexts each), the checkpoint on 3 random contexts and on one window cut at 5 lengths.
            Assert.Equal(3 + 3 + 3 + 5, cases.Count);
            Assert.Contains(cases, c => c!["layers"]!.GetValue<int>() == 2);
            Assert.Contains(cases, c => c!["weights"]!.GetValue<string>().StartsWith("trained (checkpoint, step 7)"));
            foreach (var c in cases)
                foreach (var key in new[] { "weights", "layers", "m", "query_length", "queries", "error", "error_without_increment", "error_without_shift" })
                    Assert.True(c!.AsObject().ContainsKey(key), $"case missing {key}");
            var vonOswald = json["von_oswald"]!.AsObject();
            Assert.True(vonOswald["worst_error"]!.GetValue<double>() <= 1e-10);
            Assert.Equal(4, vonOswald["problems"]!.AsArray().Count);
        }
        finally { File.Delete(checkpoint); }
    }

    [Fact]
    public void DegeneracyPrintsRanksAtTheirGenericValuesAndTheFibres()
    {
        string checkpoint = TinyCheckpoint(AttentionKind.Linear);
        try
        {
            var run = CliProcess.Run(TimeSpan.FromMinutes(3), "contexts", "degeneracy", "--checkpoint", checkpoint, "--lengths", "1-2,5", "--json");
            Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
            var json = JsonNode.Parse(run.Stdout)!.AsObject();
            Assert.Equal(8, json["model"]!["d"]!.GetValue<int>());
            var measurements = json["measurements"]!.AsArray();
            Assert.Equal(new[] { 1, 2, 5 }, measurements.Select(m => m!["m"]!.GetValue<int>()));
            foreach (var m in measurements)
            {
                // d = 8, H = 2, d_h = 4: R = min(2 min(m, 4), 8) = 2, 4, 8 → R (16 − R) = 28, 48, 64.
                int r = Math.Min(2 * Math.Min(m!["m"]!.GetValue<int>(), 4), 8);
                Assert.Equal(r * (16 - r), m["rank"]!.GetValue<int>());
                Assert.Equal(m["generic_rank"]!.GetValue<int>(), m["rank"]!.GetValue<int>());
                Assert.Equal(64, m["output_dimension"]!.GetValue<int>());
                Assert.Equal(64, m["singular_values"]!.AsArray().Count);
                Assert.Equal(m["parameters"]!.GetValue<long>() - 8 * m["m"]!.GetValue<int>(), m["map_rank"]!.GetValue<long>());
                var blocks = m["blocks"]!.AsArray();
                Assert.Contains(blocks, b => b!["block"]!.GetValue<string>() == "blocks.0.mlp.0.weight" && b["fibre"]!.GetValue<bool>() && b["norm"]!.GetValue<double>() == 0);
                Assert.Contains(blocks, b => b!["block"]!.GetValue<string>() == "blocks.0.attention.heads.1.value.weight" && !b["fibre"]!.GetValue<bool>());
                foreach (var key in new[] { "context", "nonzero_columns", "increment_rank", "tolerance", "sigma_max", "sigma_min_nonzero", "sigma_max_null", "seconds" })
                    Assert.True(m.AsObject().ContainsKey(key), $"missing {key}");
            }
        }
        finally { File.Delete(checkpoint); }
    }

    [Fact]
    public void SoftmaxCheckpointsAndBadLengthsGetAMessage()
    {
        string softmax = TinyCheckpoint(AttentionKind.Softmax);
        string linear = TinyCheckpoint(AttentionKind.Linear);
        try
        {
            var refused = CliProcess.Run(TimeSpan.FromMinutes(2), "contexts", "degeneracy", "--checkpoint", softmax, "--json");
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("needs linear attention", refused.Stdout + refused.Stderr);
            var outside = CliProcess.Run(TimeSpan.FromMinutes(2), "contexts", "degeneracy", "--checkpoint", linear, "--lengths", "2,32");
            Assert.Equal(1, outside.ExitCode);
            Assert.Contains("1..31", outside.Stdout + outside.Stderr);
            var garbled = CliProcess.Run(TimeSpan.FromMinutes(2), "contexts", "degeneracy", "--checkpoint", linear, "--lengths", "a");
            Assert.Equal(1, garbled.ExitCode);
            Assert.Contains("not an integer", garbled.Stdout + garbled.Stderr);
            var usage = CliProcess.Run(TimeSpan.FromMinutes(2), "contexts", "exact", "--skip-trained", "--seeds", "0");
            Assert.Equal(64, usage.ExitCode);
            Assert.Contains("--seeds", usage.Stdout + usage.Stderr);
        }
        finally
        {
            File.Delete(softmax);
            File.Delete(linear);
        }
    }
    /// <summary><c>slt contexts mother-daughter</c> refuses bad options before any work (usage error 64, naming the option).</summary>
    [Theory]
    [InlineData("--model", "transformer", "--model must be linear, softmax or both")]
    [InlineData("--query-length", "1", "--query-length must be at least 2")]
    [InlineData("--context-length", "0", "--context-length must be at least 1")]
    public void MotherDaughterRefusesBadOptions(string option, string value, string message)
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(1), "contexts", "mother-daughter", option, value);
        Assert.Equal(64, run.ExitCode);
        Assert.Contains(message, run.Stdout + run.Stderr);
    }
}
