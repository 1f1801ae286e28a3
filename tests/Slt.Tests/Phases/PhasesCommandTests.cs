using System.Text.Json;
using Slt.Tests.Cli;

namespace Slt.Tests.Phases;

/// <summary><c>slt phases data|architecture</c>: bad options are usage errors (64) naming the option or field; a tiny
/// sweep's <c>--json</c> parses with one row per run.</summary>
public sealed class PhasesCommandTests
{
    [Theory]
    [InlineData("data", "--zipf", "x", "--zipf")]
    [InlineData("data", "--burstiness", "1.5", "burstiness")]
    [InlineData("data", "--tasks", "1", "task count")]
    [InlineData("data", "--seeds", "1,1", "Seeds")]
    [InlineData("data", "--windows", "10", "probeWindows")]
    [InlineData("data", "--csv", " ", "--csv needs a file name")]
    [InlineData("architecture", "--widths", "10", "multiple of heads")]
    [InlineData("architecture", "--kinds", "deep", "kind 'deep'")]
    [InlineData("architecture", "--shares", "2", "--shares")]
    [InlineData("architecture", "--bogus", "1", "bogus")]
    public void RefusesBadOptions(string sweep, string option, string value, string message)
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(1), "phases", sweep, option, value);
        Assert.Equal(64, run.ExitCode);
        Assert.Contains(message, run.Stdout + run.Stderr);
    }

    [Fact]
    public void ShipWithShippedIsAUsageError()
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(1), "phases", "data", "--ship", "--shipped");
        Assert.Equal(64, run.ExitCode);
    }

    [Fact]
    public void TinySweepPrintsJson()
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(3), "phases", "architecture", "--kinds", "attention-only", "--widths", "8", "--seeds", "1",
            "--steps", "5", "--training-windows", "64", "--windows", "96", "--no-cache", "--json");
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        using var doc = JsonDocument.Parse(run.Stdout);
        var runs = doc.RootElement.GetProperty("runs");
        Assert.Equal(1, runs.GetArrayLength());
        Assert.Equal("1L softmax attn-only d=8 h=4", runs[0].GetProperty("architecture").GetString());
        Assert.True(runs[0].GetProperty("G_se").GetDouble() > 0);
        Assert.Equal(2, doc.RootElement.GetProperty("frontier").GetArrayLength());
        Assert.Equal(31, doc.RootElement.GetProperty("kl_by_length")[0].GetProperty("K").GetArrayLength());
    }
}
