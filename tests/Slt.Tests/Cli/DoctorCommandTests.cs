namespace Slt.Tests.Cli;

public sealed class DoctorCommandTests
{
    [Fact]
    public void DoctorExitsZeroAndReportsWorkingTorch()
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(2), "doctor");
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.Contains("torch works", run.Stdout);
        Assert.Contains("TorchSharp", run.Stdout);
    }

    [Fact]
    public void VersionAndHelpAreAvailable()
    {
        var version = CliProcess.Run(TimeSpan.FromMinutes(1), "--version");
        Assert.Equal(0, version.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", version.Stdout.Trim());
        var help = CliProcess.Run(TimeSpan.FromMinutes(1), "--help");
        Assert.Contains("doctor", help.Stdout);
    }

    [Theory]
    [InlineData("llc")]
    [InlineData("free-energy")]
    [InlineData("diagnostics")]
    [InlineData("validate")]
    [InlineData("reproduce")]
    [InlineData("train")]
    public void EveryVerbPrintsItsHelp(string verb)
    {
        // Spectre.Console reads descriptions as markup: a literal bracket in one (e.g. "[0, d/2]") breaks the help.
        var help = CliProcess.Run(TimeSpan.FromMinutes(1), verb, "--help");
        Assert.True(help.ExitCode == 0, help.Stdout + help.Stderr);
        Assert.Contains("OPTIONS", help.Stdout);
    }

    [Fact]
    public void InvalidOptionGivesNonZeroExitAndMessage()
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(1), "doctor", "--threads", "0");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("--threads", run.Stdout + run.Stderr);
    }
}
