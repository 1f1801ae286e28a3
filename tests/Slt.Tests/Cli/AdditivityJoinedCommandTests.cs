namespace Slt.Tests.Cli;

/// <summary><c>slt additivity joined</c> refuses bad options before any work (usage error 64, naming the option).</summary>
public sealed class AdditivityJoinedCommandTests
{
    [Theory]
    [InlineData("--windows", "5", "--windows must be at least 6")]
    [InlineData("--families", "garage", "--families must list every family of the default corpus in order")]
    [InlineData("--families", "zoo,garage", "--families must list every family of the default corpus in order")]
    [InlineData("--families", "garage,farm", "'farm' is not a family of the default corpus")]
    [InlineData("--step-size", "-1", "--step-size must be positive")]
    [InlineData("--draws", "2", "--draws must be at least 4")]
    [InlineData("--steps-between-draws", "0", "--steps-between-draws must be at least 1")]
    public void RefusesBadOptions(string option, string value, string message)
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(1), "additivity", "joined", option, value);
        Assert.Equal(64, run.ExitCode);
        Assert.Contains(message, run.Stdout + run.Stderr);
    }
}
