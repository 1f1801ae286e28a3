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
    [InlineData("llc potential")]
    [InlineData("llc dln")]
    [InlineData("llc transformer")]
    [InlineData("free-energy")]
    [InlineData("diagnostics")]
    [InlineData("validate")]
    [InlineData("reproduce")]
    [InlineData("train")]
    public void EveryVerbPrintsItsHelp(string verb)
    {
        // Spectre.Console reads descriptions as markup: a literal bracket in one (e.g. "[0, d/2]") breaks the help.
        var help = CliProcess.Run(TimeSpan.FromMinutes(1), [.. verb.Split(' '), "--help"]);
        Assert.True(help.ExitCode == 0, help.Stdout + help.Stderr);
        Assert.Contains("OPTIONS", help.Stdout);
    }

    /// <summary><c>slt --help</c> documents every exit code, with the numbers the verbs return.</summary>
    [Fact]
    public void HelpListsTheExitCodes()
    {
        var help = CliProcess.Run(TimeSpan.FromMinutes(1), "--help");
        Assert.Equal(0, help.ExitCode);
        string text = System.Text.RegularExpressions.Regex.Replace(help.Stdout, @"\s+", " ");
        Assert.Contains("EXIT CODES", text);
        foreach (var line in new[] { "0 success", "1 bad input", "2 divergent", "3 \"Do not trust\"", "64 usage" })
            Assert.Contains(line, text);
        var llc = CliProcess.Run(TimeSpan.FromMinutes(1), "llc", "potential", "--help");
        Assert.Contains("EXIT CODES", llc.Stdout);
    }

    /// <summary><c>slt doctor --fix</c> is the explicit form of the libstdc++ step: on a machine where it is already in
    /// place (or not needed) it writes nothing, says nothing on stderr, and torch loads.</summary>
    [Fact]
    public void DoctorFixIsIdempotent()
    {
        var first = CliProcess.Run(TimeSpan.FromMinutes(2), "doctor", "--fix");
        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        var again = CliProcess.Run(TimeSpan.FromMinutes(2), "doctor", "--fix");
        Assert.True(again.ExitCode == 0, again.Stdout + again.Stderr);
        Assert.DoesNotContain("marked that requirement weak", again.Stderr);
        Assert.DoesNotContain("fixed now", again.Stdout);
        Assert.Contains("torch works", again.Stdout);
    }

    [Fact]
    public void InvalidOptionGivesNonZeroExitAndMessage()
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(1), "doctor", "--threads", "0");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("--threads", run.Stdout + run.Stderr);
    }
}
