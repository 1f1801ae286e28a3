using System.Text.Json;
using System.Text.Json.Serialization;

namespace Slt.Configuration;

/// <summary>
/// Results that take longer than a notebook's time budget, computed once with <c>slt</c> and shipped with the
/// repository in <c>data/results/</c>, one JSON file per result named by a hash of everything that determines it (the
/// recipe's content hash and the settings, not the library's build). A notebook reads a shipped result only after the
/// caller has checked it against the current code (for example: the model it measured still has the same loss), and
/// recomputes it otherwise; <c>slt … --ship</c> rewrites it.
/// </summary>
public static class ShippedResults
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = true,
    };

    /// <summary><c>SLT_RESULTS</c> if set, else the <c>data/results</c> folder of the repository this process runs in (found
    /// by walking up from the current directory, then from the program's folder); null when there is none.</summary>
    public static string? DefaultDirectory
    {
        get
        {
            if (Environment.GetEnvironmentVariable("SLT_RESULTS") is { Length: > 0 } set) return set;
            foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
                for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                    if (System.IO.File.Exists(Path.Combine(dir.FullName, "data", "default.corpus.json")) && System.IO.File.Exists(Path.Combine(dir.FullName, "Workbook.sln")))
                        return Path.Combine(dir.FullName, "data", "results");
            return null;
        }
    }

    /// <summary>The file of a result: <c>{directory}/{kind}-{hash of key}.json</c>.</summary>
    public static string File(string kind, string key, string directory)
    {
        return Path.Combine(directory, $"{kind}-{Contexts.ContextResultCache.KeyHash(key)}.json");
    }

    /// <summary>The shipped result for <paramref name="key"/>, or null when none is shipped (or there is no results folder).</summary>
    public static T? TryRead<T>(string kind, string key, string? directory = null) where T : class
    {
        directory ??= DefaultDirectory;
        if (directory is null) return null;
        string file = File(kind, key, directory);
        return System.IO.File.Exists(file) ? JsonSerializer.Deserialize<T>(System.IO.File.ReadAllText(file), Json) : null;
    }

    /// <summary>Writes a result to the results folder; returns the file.</summary>
    /// <exception cref="InvalidOperationException">No results folder: not inside the repository and SLT_RESULTS unset.</exception>
    public static string Write<T>(string kind, string key, T result, string? directory = null)
    {
        directory ??= DefaultDirectory ?? throw new InvalidOperationException("No data/results folder: run inside the repository or set SLT_RESULTS.");
        Directory.CreateDirectory(directory);
        string file = File(kind, key, directory);
        System.IO.File.WriteAllText(file, JsonSerializer.Serialize(result, Json) + "\n");
        return file;
    }

    /// <summary>The shipped result for <paramref name="key"/> when there is one and <paramref name="ship"/> is false;
    /// otherwise <paramref name="compute"/>'s, written to the results folder when <paramref name="ship"/> is true.</summary>
    /// <returns>The result and whether it was read from the shipped file.</returns>
    public static (T Result, bool Shipped) ReadOrCompute<T>(string kind, string key, Func<T> compute, bool ship, string? directory = null) where T : class
    {
        ArgumentNullException.ThrowIfNull(compute);
        if (!ship && TryRead<T>(kind, key, directory) is { } stored) return (stored, true);
        var result = compute();
        if (ship) Write(kind, key, result, directory);
        return (result, false);
    }

    /// <summary>A shipped result that carries the fingerprint of the model it measured: read it only when the model this
    /// code trains has the same fingerprint (1e−4 relative), else compute afresh.</summary>
    /// <param name="kind">A label that starts the file name.</param>
    /// <param name="key">Everything that determines the result, as text.</param>
    /// <param name="fingerprint">The current model's fingerprint (e.g. its loss on a fixed sample).</param>
    /// <param name="directory">The results folder (default <see cref="DefaultDirectory"/>).</param>
    public static T? TryRead<T>(string kind, string key, double fingerprint, string? directory = null) where T : class =>
        TryRead<Fingerprinted<T>>(kind, key, directory) is { } stored && Math.Abs(stored.Fingerprint - fingerprint) <= 1e-4 * Math.Abs(stored.Fingerprint)
            ? stored.Result : null;

    /// <summary>Writes a result with its model's fingerprint; returns the file.</summary>
    public static string Write<T>(string kind, string key, T result, double fingerprint, string? directory = null) =>
        Write(kind, key, new Fingerprinted<T>(result, fingerprint), directory);

    /// <summary>The shipped result for <paramref name="key"/> when one was measured on a model with this
    /// <paramref name="fingerprint"/> and <paramref name="ship"/> is false; otherwise <paramref name="compute"/>'s,
    /// written with the fingerprint when <paramref name="ship"/> is true.</summary>
    /// <returns>The result and whether it was read from the shipped file.</returns>
    public static (T Result, bool Shipped) ReadOrCompute<T>(string kind, string key, double fingerprint, Func<T> compute, bool ship,
        string? directory = null) where T : class
    {
        ArgumentNullException.ThrowIfNull(compute);
        if (!ship && TryRead<T>(kind, key, fingerprint, directory) is { } stored) return (stored, true);
        var result = compute();
        if (ship) Write(kind, key, result, fingerprint, directory);
        return (result, false);
    }
}

/// <summary>A shipped result and the fingerprint of the model it measured.</summary>
/// <param name="Result">The result.</param>
/// <param name="Fingerprint">E.g. the trained model's loss on a fixed sample.</param>
public sealed record Fingerprinted<T>(T Result, double Fingerprint);
