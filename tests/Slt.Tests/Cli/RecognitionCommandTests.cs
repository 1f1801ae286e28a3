namespace Slt.Tests.Cli;

/// <summary><c>slt recognition</c> refuses bad options before any work (usage error 64, naming the option).</summary>
public sealed class RecognitionCommandTests
{
    [Theory]
    [InlineData("--windows", "10", "--windows must be at least 64")]
    [InlineData("--csv", " ", "--csv needs a file name")]
    [InlineData("--bogus", "1", "bogus")]
    public void RefusesBadOptions(string option, string value, string message)
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(1), "recognition", option, value);
        Assert.Equal(64, run.ExitCode);
        Assert.Contains(message, run.Stdout + run.Stderr);
    }
}
