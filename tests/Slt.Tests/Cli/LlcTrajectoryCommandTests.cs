using System.Text.Json.Nodes;
using Slt.Platform;
using Slt.Tests.Training;
using Slt.Training;

namespace Slt.Tests.Cli;

/// <summary><c>slt llc transformer --checkpoints DIR</c>: the trajectory of a folder as JSON and CSV; bad combinations refused.</summary>
[Collection(SequentialTorchCollection.Name)]
public sealed class LlcTrajectoryCommandTests
{
    [Fact]
    public void AFoldersTrajectoryComesOutAsJsonAndCsv()
    {
        TorchRuntime.Initialize(1);
        string dir = Directory.CreateTempSubdirectory("slt-trajectory-cli-").FullName;
        try
        {
            var (model, _) = Trainer.Train(TrainingTests.Tiny(5), Path.Combine(dir, "checkpoints"));
            model.Dispose();
            string csv = Path.Combine(dir, "t.csv");
            var run = CliProcess.Run(TimeSpan.FromMinutes(4), "llc", "transformer", "--checkpoints", dir, "--json", "--csv", csv,
                "--windows", "24", "--epsilon", "1e-4", "--gamma", "300", "--chains", "2", "--burn-in", "10", "--draws", "12",
                "--steps-between-draws", "2", "--no-families");
            Assert.True(run.ExitCode is 0 or 2 or 3, run.Stdout + run.Stderr);   // a tiny model may well be untrustworthy; the JSON is written either way
            var json = JsonNode.Parse(run.Stdout)!;
            Assert.Equal(TrainingTests.Tiny(5).Training.CheckpointSteps(), json["points"]!.AsArray().Select(p => (int)p!["step"]!).ToArray());
            Assert.Equal(TrainingTests.Tiny(5).Training.CheckpointSteps().Length + 1, File.ReadAllLines(csv).Length);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("--gammas", "1000,500", "--checkpoints measures a")]
    [InlineData("--no-families", null, "go with --checkpoints")]
    public void RefusesBadCombinations(string option, string? value, string message)
    {
        string[] args = option == "--no-families" ? ["llc", "transformer", option] : ["llc", "transformer", "--checkpoints", "run", option, value!];
        var run = CliProcess.Run(TimeSpan.FromMinutes(1), args);
        Assert.Equal(64, run.ExitCode);
        Assert.Contains(message, run.Stdout + run.Stderr);
    }
}
