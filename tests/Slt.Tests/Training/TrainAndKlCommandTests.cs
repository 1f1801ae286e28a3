using System.Text.Json;
using Slt.Tests.Cli;

namespace Slt.Tests.Training;

public sealed class TrainAndKlCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("slt-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TrainWritesCheckpointsAndKlReportsTheDecompositionAsJson()
    {
        string config = Path.Combine(_dir, "tiny.train.json");
        File.WriteAllText(config, $$"""
            {
              "corpus": "{{RepositoryPaths.Path("data", "default.corpus.json")}}",
              "model": { "modelDimension": 16, "layers": 1, "heads": 2 },
              "training": { "steps": 12, "batchSize": 8, "warmupSteps": 2, "trainingWindows": 100, "evaluationWindows": 8, "checkpoints": 3 }
            }
            """);
        string outDir = Path.Combine(_dir, "run");
        var train = CliProcess.Run(TimeSpan.FromMinutes(3), "train", "--config", config, "--out", outDir);
        Assert.True(train.ExitCode == 0, train.Stdout + train.Stderr);
        Assert.True(File.Exists(Path.Combine(outDir, "final.ckpt")));
        Assert.True(File.Exists(Path.Combine(outDir, "checkpoints", "step-0000012.ckpt")));
        Assert.Contains("step,length,L,L_se,S,S_se,K,K_se,L_n", File.ReadAllText(Path.Combine(outDir, "losses.csv")));

        var kl = CliProcess.Run(TimeSpan.FromMinutes(3), "kl", "--checkpoint", Path.Combine(outDir, "final.ckpt"), "--windows", "40", "--json");
        Assert.True(kl.ExitCode == 0, kl.Stdout + kl.Stderr);
        using var doc = JsonDocument.Parse(kl.Stdout);
        var lengths = doc.RootElement.GetProperty("lengths");
        Assert.Equal(31, lengths.GetArrayLength());
        double sumK = lengths.EnumerateArray().Sum(e => e.GetProperty("K").GetDouble());
        var totals = doc.RootElement.GetProperty("totals");
        Assert.Equal(totals.GetProperty("K").GetDouble(), sumK, 9);
        Assert.Equal(totals.GetProperty("L").GetDouble(), totals.GetProperty("K").GetDouble() + totals.GetProperty("S").GetDouble(), 9);
        Assert.All(lengths.EnumerateArray(), e => Assert.True(e.GetProperty("K_se").GetDouble() > 0));
    }

    [Fact]
    public void BadInputsGiveAMessageAndNonZeroExit()
    {
        var missing = CliProcess.Run(TimeSpan.FromMinutes(1), "kl", "--checkpoint", Path.Combine(_dir, "absent.ckpt"), "--json");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("absent.ckpt", missing.Stdout + missing.Stderr);
        string bad = Path.Combine(_dir, "bad.train.json");
        File.WriteAllText(bad, """{ "training": { "steps": -3 } }""");
        var invalid = CliProcess.Run(TimeSpan.FromMinutes(1), "train", "--config", bad, "--out", Path.Combine(_dir, "x"));
        Assert.NotEqual(0, invalid.ExitCode);
        Assert.Contains("steps", invalid.Stdout + invalid.Stderr);
    }
}
