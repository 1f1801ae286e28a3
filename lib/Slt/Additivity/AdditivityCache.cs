using Slt.Contexts;

namespace Slt.Additivity;

/// <summary>The on-disk cache of the additivity measurements: <see cref="ContextResultCache"/>'s files (JSON keyed by a
/// hash of the settings and this library's build) under <c>SLT_CACHE/additivity</c>.</summary>
public static class AdditivityCache
{
    /// <summary><c>SLT_CACHE</c>/additivity if set, else <c>{temp}/slt-cache/additivity</c>.</summary>
    public static string DefaultDirectory =>
        Environment.GetEnvironmentVariable("SLT_CACHE") is { Length: > 0 } dir
            ? Path.Combine(dir, "additivity")
            : Path.Combine(Path.GetTempPath(), "slt-cache", "additivity");

    /// <summary>The cached result for <paramref name="key"/>, or <paramref name="compute"/>'s, written to the cache.</summary>
    public static (T Result, bool FromCache) GetOrCompute<T>(string kind, string key, Func<T> compute, bool useCache = true) =>
        ContextResultCache.GetOrCompute(kind, key, compute, DefaultDirectory, useCache);
}
