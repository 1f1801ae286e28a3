using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Slt.Tests.Model;

/// <summary>
/// A Python 3 that has PyTorch (Debian's <c>python3-torch</c> in CI), and a runner for <c>tests/pytorch/reference.py</c>.
/// Candidates in order: <c>$SLT_PYTHON</c>, <c>python3</c> on the PATH, <c>/usr/bin/python3</c> (a pyenv or venv
/// <c>python3</c> may shadow the system one that has Debian's torch). Finding it only asks Python whether the package
/// exists (no import), so discovery stays fast.
/// </summary>
internal static class PythonTorch
{
    public static string? Executable { get; } = Find();

    public static bool Required => Environment.GetEnvironmentVariable("SLT_REQUIRE_PYTORCH") == "1";

    public static string Script => RepositoryPaths.Path("tests", "pytorch", "reference.py");

    private static string? Find()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("SLT_PYTHON") is { Length: > 0 } configured) candidates.Add(configured);
        candidates.Add("python3");
        candidates.Add("/usr/bin/python3");
        return candidates.FirstOrDefault(HasTorch);
    }

    private static bool HasTorch(string python)
    {
        try
        {
            var info = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "-c", "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('torch') else 1)" }) info.ArgumentList.Add(a);
            using var process = Process.Start(info)!;
            process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30))) { process.Kill(entireProcessTree: true); return false; }
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // not installed
        }
    }

    /// <summary>Runs reference.py on <paramref name="request"/> and returns its response (see the script's docstring).</summary>
    public static JsonObject Run(JsonObject request, string workDirectory, TimeSpan timeout)
    {
        string python = Executable ?? throw new InvalidOperationException("No python3 with torch was found.");
        string requestPath = Path.Combine(workDirectory, "request.json"), responsePath = Path.Combine(workDirectory, "response.json");
        File.WriteAllText(requestPath, request.ToJsonString());
        var info = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Script, requestPath, responsePath }) info.ArgumentList.Add(a);
        info.Environment["OMP_NUM_THREADS"] = "1";
        info.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{python} {Script} did not finish in {timeout}.");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{python} {Script} exited {process.ExitCode}:\n{stdout.Result}\n{stderr.Result}");
        return JsonNode.Parse(File.ReadAllText(responsePath))!.AsObject();
    }

    /// <summary>A result's log-probabilities as a flat array, with its shape.</summary>
    public static (long[] Shape, double[] LogProbs) Result(JsonNode result) =>
        (result["shape"]!.AsArray().Select(n => n!.GetValue<long>()).ToArray(),
         result["log_probs"]!.AsArray().Select(n => n!.GetValue<double>()).ToArray());
}

/// <summary>A fact that needs Python with PyTorch: skipped, saying why, where it is missing, unless SLT_REQUIRE_PYTORCH=1 (CI).</summary>
public sealed class PyTorchFactAttribute : FactAttribute
{
    public PyTorchFactAttribute()
    {
        if (PythonTorch.Executable is null && !PythonTorch.Required)
            Skip = "No python3 with torch (tried $SLT_PYTHON, python3, /usr/bin/python3); `bash scripts/install-prerequisites.sh` installs Debian's python3-torch. Set SLT_REQUIRE_PYTORCH=1 to make this a failure.";
    }
}
