using System.Diagnostics;
using System.Text.Json;

namespace Slt.Tests.Notebooks;

/// <summary>
/// Notebooks under the stock kernel, as VS Code runs it: <c>dotnet repl</c> (the local tool pinned in
/// .config/dotnet-tools.json; <c>dotnet tool restore</c> installs it) ships the same FSharp.Core 10.0 as VS Code's
/// kernel. Run from the notebooks folder, as the first cell's relative path requires. By default the tour and the first
/// chapter: between them they use every kernel-facing piece (the <c>#r</c> of the workbook, <c>Initialize</c>, figures,
/// DataFrames, console output); the later chapters add sampling, not kernel features, and already run end to end in
/// process (<see cref="NotebookCollection"/>), so running them again here would double minutes of the suite for nothing
/// new. <c>SLT_STOCK_KERNEL_ALL=1</c> runs every notebook.
/// </summary>
public sealed class StockKernelTests
{
    /// <summary><c>dotnet tool restore</c> once per test run, so that the README's test command suffices on a fresh clone.</summary>
    private static readonly Lazy<Task<(int ExitCode, string Output)>> ToolRestore = new(() => RunAsync(RepositoryPaths.Root, TimeSpan.FromMinutes(5), "tool", "restore"));

    /// <summary>The notebooks this test runs (see the class remarks).</summary>
    public static IEnumerable<object[]> Names() => WorkbookNotebooks.Names()
        .Where(n => Environment.GetEnvironmentVariable("SLT_STOCK_KERNEL_ALL") == "1"
                    || ((string)n[0]).StartsWith("00-", StringComparison.Ordinal) || ((string)n[0]).StartsWith("01-", StringComparison.Ordinal));

    [Theory]
    [MemberData(nameof(Names))]
    public async Task NotebookRunsUnderDotnetRepl(string fileName)
    {
        string folder = Directory.CreateTempSubdirectory("slt-repl-").FullName;
        try
        {
            var restore = await ToolRestore.Value;
            Assert.True(restore.ExitCode == 0, $"dotnet tool restore failed ({restore.ExitCode}):\n{restore.Output}");
            string executed = Path.Combine(folder, fileName);
            var (exitCode, log) = await RunAsync(RepositoryPaths.Path("notebooks"), TimeSpan.FromMinutes(10),
                "repl", "--run", fileName, "--exit-after-run", "--output-path", executed);
            Assert.True(exitCode == 0, $"dotnet repl exited {exitCode} on {fileName}:\n{log}");
            using var document = JsonDocument.Parse(File.ReadAllText(executed));
            var errors = document.RootElement.GetProperty("cells").EnumerateArray()
                .SelectMany(c => c.TryGetProperty("outputs", out var o) ? o.EnumerateArray() : Enumerable.Empty<JsonElement>())
                .Where(o => o.GetProperty("output_type").GetString() == "error").Select(o => o.GetRawText()).ToList();
            Assert.True(errors.Count == 0, string.Join("\n", errors));
            if (fileName.StartsWith("00-", StringComparison.Ordinal))
            {
                // The tour's chart and table came through the stock kernel's formatters (chart layer in its own load context).
                string text = File.ReadAllText(executed);
                Assert.Contains("slt-figure", text);
                Assert.Contains(Slt.Workbook.PlotlyScript.MarkerAttribute, text);
                Assert.Contains("slt-dataframe", text);
                // The SGLD cell's progress display came through the kernel and holds its final line.
                Assert.Contains("slt-progress", text);
                Assert.Contains("SGLD: done", text);
            }
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string workingDirectory, TimeSpan limit, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"dotnet {string.Join(' ', args)} did not finish in {limit}.");
        }
        return (process.ExitCode, Tail(await stdout + await stderr));
    }

    private static string Tail(string s) => s.Length <= 4000 ? s : s[^4000..];
}
