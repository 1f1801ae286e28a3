namespace Slt.Tests.Cli;

/// <summary><c>slt additivity shared</c> refuses bad options before any work (usage error 64, naming the option).</summary>
public sealed class AdditivitySharedCommandTests
{
    [Theory]
    [InlineData("--windows-per-family", "1", "--windows-per-family must be at least 2")]
    [InlineData("--interference", ",", "--interference needs a list of blocks")]
    [InlineData("--step-size", "0", "--step-size must be positive")]
    [InlineData("--draws", "3", "--draws must be at least 4")]
    [InlineData("--burn-in", "-1", "--burn-in must be ≥ 0")]
    [InlineData("--steps-between-draws", "0", "--steps-between-draws must be at least 1")]
    public void RefusesBadOptions(string option, string value, string message)
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(1), "additivity", "shared", option, value);
        Assert.Equal(64, run.ExitCode);
        Assert.Contains(message, run.Stdout + run.Stderr);
    }
}
