using System.Diagnostics;

namespace Slt.Tests.Cli;

/// <summary>The <c>slt</c> script at the repository root (README set-up): it runs the built CLI from any working
/// directory, passes arguments through unchanged and returns the CLI's exit code.</summary>
public sealed class SltScriptTests
{
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Workbook.sln"))) return dir.FullName;
        throw new InvalidOperationException("Workbook.sln not found above the test's output folder.");
    }

    private static (int ExitCode, string Stdout, string Stderr) Slt(params string[] args)
    {
        string root = RepositoryRoot();
        var info = OperatingSystem.IsWindows()
            ? new ProcessStartInfo("cmd.exe") { ArgumentList = { "/c", Path.Combine(root, "slt.cmd") } }
            : new ProcessStartInfo("bash") { ArgumentList = { Path.Combine(root, "slt") } };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.RedirectStandardOutput = info.RedirectStandardError = true;
        info.WorkingDirectory = Path.GetTempPath(); // not the repository: the script finds it from its own path
        info.Environment["SLT_NO_BUILD"] = "1";   // the solution is built; never start a build from a test
        info.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"slt {string.Join(' ', args)} did not finish in a minute.");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void ScriptRunsTheBuiltCliFromAnyFolderAndForwardsExitCodes()
    {
        if (!File.Exists(Path.Combine(RepositoryRoot(), "lib", "Slt.Cli", "bin", "Debug", "net10.0", "Slt.Cli.dll")))
            return; // a Release-only build has no Debug CLI for the script to run
        var version = Slt("--version");
        Assert.True(version.ExitCode == 0, version.Stdout + version.Stderr);
        Assert.Matches(@"^\d+\.\d+\.\d+", version.Stdout.Trim());
        var usage = Slt("llc", "potential", "--widths", "5,3,5"); // a DLN option on a potential: usage, 64
        Assert.Equal(64, usage.ExitCode);
        Assert.Contains("widths", usage.Stdout + usage.Stderr);
    }
}
