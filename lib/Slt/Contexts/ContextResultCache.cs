using System.Text.Json;
using System.Text.Json.Serialization;

namespace Slt.Contexts;

/// <summary>
/// The on-disk cache of the context-map measurements: one JSON file per result, named by a hash of everything that
/// determines it (recipe, settings) and this library's build, as <see cref="Slt.Training.TrainedModelCache"/> keys
/// trained models, so a code change never serves a stale number.
/// </summary>
public static class ContextResultCache
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static readonly object Gate = new();

    /// <summary><c>SLT_CACHE</c>/contexts if set, else <c>{temp}/slt-cache/contexts</c>.</summary>
    public static string DefaultDirectory =>
        Environment.GetEnvironmentVariable("SLT_CACHE") is { Length: > 0 } dir
            ? Path.Combine(dir, "contexts")
            : Path.Combine(Path.GetTempPath(), "slt-cache", "contexts");

    /// <summary>The file of a result: <c>{directory}/{kind}-{hash of key}-{library build}.json</c>.</summary>
    public static string File(string kind, string key, string? directory = null)
    {
        var hash = KeyHash(key);
        string build = typeof(ContextResultCache).Assembly.ManifestModule.ModuleVersionId.ToString("N")[..12];
        return Path.Combine(directory ?? DefaultDirectory, $"{kind}-{hash}-{build}.json");
    }

    /// <summary>The first 16 hex digits of the SHA-256 of a key: the part of a result file's name that names its inputs.</summary>
    public static string KeyHash(string key) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)), 0, 8).ToLowerInvariant();

    /// <summary>The cached result for <paramref name="key"/>, or <paramref name="compute"/>'s, written to the cache.</summary>
    /// <param name="kind">A label that starts the file name.</param>
    /// <param name="key">Everything that determines the result, as text.</param>
    /// <param name="compute">Computes the result on a miss.</param>
    /// <param name="directory">The cache folder (default <see cref="DefaultDirectory"/>).</param>
    /// <param name="useCache">False: neither read nor write.</param>
    /// <returns>The result and whether it came from the cache.</returns>
    public static (T Result, bool FromCache) GetOrCompute<T>(string kind, string key, Func<T> compute, string? directory = null, bool useCache = true)
    {
        if (!useCache) return (compute(), false);
        string file = File(kind, key, directory);
        lock (Gate)
        {
            if (System.IO.File.Exists(file))
                return (JsonSerializer.Deserialize<T>(System.IO.File.ReadAllText(file), Json) ?? throw new InvalidDataException($"The cached result '{file}' is empty."), true);
            var result = compute();
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            string staging = file + ".staging-" + Environment.ProcessId;
            System.IO.File.WriteAllText(staging, JsonSerializer.Serialize(result, Json));
            System.IO.File.Move(staging, file, overwrite: true);
            return (result, false);
        }
    }
}
