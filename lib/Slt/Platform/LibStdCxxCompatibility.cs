using System.Runtime.InteropServices;

namespace Slt.Platform;

/// <summary>What <see cref="LibStdCxxCompatibility.Apply"/> found and did to one file.</summary>
public enum CompatibilityAction
{
    /// <summary>The file does not need <c>GLIBCXX_3.4.32</c> (or is not ELF): left byte-identical.</summary>
    Unaffected,
    /// <summary>The requirement was already weak: left byte-identical.</summary>
    AlreadyFixed,
    /// <summary>The <c>VER_FLG_WEAK</c> bit was set (two bytes written).</summary>
    Fixed,
    /// <summary>The file needs the fix and it has not been applied (reported by <see cref="LibStdCxxCompatibility.Survey()"/>,
    /// which never writes): <c>slt doctor --fix</c> or the first <see cref="TorchRuntime.Initialize"/> applies it.</summary>
    Pending,
    /// <summary>The file needs the fix but could not be written (named in the message).</summary>
    Failed,
}

/// <summary>The outcome for one copy of the native library.</summary>
public sealed record CompatibilityFileResult(string Path, CompatibilityAction Action, string? Error = null);

/// <summary>What the start-up check concluded: whether the fix is needed here and what it did to each copy found.</summary>
/// <param name="Needed">True when the system libstdc++ lacks <see cref="LibStdCxxCompatibility.MissingVersion"/>.</param>
/// <param name="SystemLibStdCxx">The libstdc++ that was inspected, or null when none was found or not on Linux.</param>
/// <param name="Files">Every copy of <c>libLibTorchSharp.so</c> that was examined.</param>
public sealed record CompatibilityReport(bool Needed, string? SystemLibStdCxx, IReadOnlyList<CompatibilityFileResult> Files)
{
    /// <summary>True when no copy is left that would fail to load.</summary>
    public bool InPlace => !Needed || Files.All(f => f.Action is not (CompatibilityAction.Failed or CompatibilityAction.Pending));

    /// <summary>The copies this report wrote to (two bytes each).</summary>
    public IReadOnlyList<CompatibilityFileResult> FixedNow => Files.Where(f => f.Action == CompatibilityAction.Fixed).ToList();
}

/// <summary>
/// Makes TorchSharp's native glue load on systems whose libstdc++ is older than GCC 13's (Debian 12).
/// </summary>
/// <remarks>
/// <para><c>libLibTorchSharp.so</c> 0.107 lists <c>GLIBCXX_3.4.32</c> among the versions it needs from libstdc++,
/// only because GCC 13 links the marker symbol <c>_ZSt21ios_base_library_initv</c>; no relocation refers to it.
/// Debian 12 provides versions up to <c>GLIBCXX_3.4.30</c>, so the loader refuses the library.</para>
/// <para>The fix sets <c>VER_FLG_WEAK</c> (0x2) in that one <c>Vernaux.vna_flags</c> field: a two-byte, in-place,
/// idempotent edit after which the loader merely warns. It touches nothing when the system libstdc++ already
/// defines the version (Ubuntu 24.04, the dev container) and nothing in a file that does not need it.</para>
/// <para>It is Linux-only and explicit: nothing happens when <c>Slt.dll</c> is merely loaded. It is applied by
/// <c>slt doctor --fix</c>, and by the first <see cref="TorchRuntime.Initialize"/> of a process (which announces on
/// standard error every copy it writes to, so a first run says so once and later runs are silent).</para>
/// </remarks>
public static class LibStdCxxCompatibility
{
    /// <summary>The symbol version that Debian 12's libstdc++ lacks.</summary>
    public const string MissingVersion = "GLIBCXX_3.4.32";

    /// <summary>The file name of TorchSharp's native glue library.</summary>
    public const string TorchSharpNative = "libLibTorchSharp.so";

    private static readonly object Gate = new();
    private static CompatibilityReport? _startupReport;

    /// <summary>The report of the first <see cref="EnsureTorchSharpLoadable"/> call in this process, if any.</summary>
    public static CompatibilityReport? StartupReport => _startupReport;

    /// <summary>
    /// Applies the fix to every place TorchSharp may load its native library from, once per process.
    /// Never throws: failures are recorded in the report (and TorchSharp's own load error follows).
    /// </summary>
    public static CompatibilityReport EnsureTorchSharpLoadable()
    {
        lock (Gate)
        {
            return _startupReport ??= Run(CandidateLocations());
        }
    }

    /// <summary>Checks the system and fixes the given copies of the native library.</summary>
    public static CompatibilityReport Run(IEnumerable<string> candidates) => Examine(candidates, Apply);

    /// <summary>What <see cref="EnsureTorchSharpLoadable"/> would do here, without writing anything: copies that need
    /// the fix are <see cref="CompatibilityAction.Pending"/>. Does not count as this process's start-up report.</summary>
    public static CompatibilityReport Survey() => Survey(CandidateLocations());

    /// <summary><see cref="Survey()"/> of the given copies: reads them, never writes.</summary>
    public static CompatibilityReport Survey(IEnumerable<string> candidates) => Examine(candidates, path =>
    {
        try
        {
            var action = Inspect(path);
            return new(path, action == CompatibilityAction.Fixed ? CompatibilityAction.Pending : action);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return new(path, CompatibilityAction.Failed, $"{e.GetType().Name}: {e.Message}");
        }
    });

    private static CompatibilityReport Examine(IEnumerable<string> candidates, Func<string, CompatibilityFileResult> act)
    {
        if (!OperatingSystem.IsLinux()) return new CompatibilityReport(false, null, []);
        string? system = FindSystemLibStdCxx();
        bool needed = system is null || !Defines(system, MissingVersion);
        if (!needed) return new CompatibilityReport(false, system, []);
        var files = candidates.Where(File.Exists).Select(Path.GetFullPath).Distinct().Select(act).ToList();
        return new CompatibilityReport(true, system, files);
    }

    /// <summary>Inspects one file without writing: what <see cref="Apply"/> would do.</summary>
    public static CompatibilityAction Inspect(string path)
    {
        var need = FindNeed(File.ReadAllBytes(path));
        return need is null ? CompatibilityAction.Unaffected
            : need.IsWeak ? CompatibilityAction.AlreadyFixed
            : CompatibilityAction.Fixed;
    }

    /// <summary>
    /// Marks the <c>GLIBCXX_3.4.32</c> requirement of one ELF file weak. Idempotent: a file that is already fixed,
    /// or does not need the version, is left byte-identical.
    /// </summary>
    public static CompatibilityFileResult Apply(string path)
    {
        try
        {
            var need = FindNeed(File.ReadAllBytes(path));
            if (need is null) return new(path, CompatibilityAction.Unaffected);
            if (need.IsWeak) return new(path, CompatibilityAction.AlreadyFixed);
            ushort flags = (ushort)(need.Flags | ElfVersionNeed.WeakFlag);
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
            {
                stream.Seek(need.FlagsOffset, SeekOrigin.Begin);
                stream.Write([(byte)(flags & 0xff), (byte)(flags >> 8)]);
            }
            return new(path, CompatibilityAction.Fixed);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return new(path, CompatibilityAction.Failed, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static ElfVersionNeed? FindNeed(byte[] bytes) =>
        ElfVersionNeeds.Read(bytes).FirstOrDefault(n => n.Version == MissingVersion);

    /// <summary>True when the shared library at <paramref name="path"/> defines the symbol version.</summary>
    public static bool Defines(string path, string version)
    {
        try { return ElfVersionNeeds.ReadDefinitions(File.ReadAllBytes(path)).Contains(version); }
        catch (Exception e) when (e is IOException or InvalidDataException) { return false; }
    }

    /// <summary>The libstdc++ the dynamic loader would pick for this process's architecture, or null.</summary>
    public static string? FindSystemLibStdCxx()
    {
        string triple = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.Arm64 => "aarch64-linux-gnu",
            _ => "x86_64-linux-gnu",
        };
        string[] dirs = [$"/usr/lib/{triple}", $"/lib/{triple}", "/usr/lib64", "/lib64", "/usr/lib"];
        return dirs.Select(d => Path.Combine(d, "libstdc++.so.6")).FirstOrDefault(File.Exists);
    }

    /// <summary>
    /// Every place TorchSharp loads <c>libLibTorchSharp.so</c> from: the application's output (flat for a
    /// runtime-specific build, under <c>runtimes/</c> otherwise), beside <c>TorchSharp.dll</c> (including the
    /// <c>cpu/</c> and <c>cuda/</c> folders a notebook kernel consolidates into), and the NuGet cache copy
    /// those folders are consolidated from.
    /// </summary>
    public static IEnumerable<string> CandidateLocations()
    {
        var dirs = new List<string> { AppContext.BaseDirectory, Path.GetDirectoryName(typeof(LibStdCxxCompatibility).Assembly.Location) ?? "" };
        string? torchDir = TorchSharpAssemblyDirectory();
        if (torchDir is not null) dirs.Add(torchDir);
        foreach (var dir in dirs.Where(d => d.Length > 0).Distinct())
        {
            yield return Path.Combine(dir, TorchSharpNative);
            yield return Path.Combine(dir, "runtimes", LinuxRid, "native", TorchSharpNative);
            yield return Path.Combine(dir, "cpu", TorchSharpNative);
            yield return Path.Combine(dir, "cuda", TorchSharpNative);
        }
        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
            ? p : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string torchPackage = Path.Combine(cache, "torchsharp");
        if (Directory.Exists(torchPackage))
            foreach (var version in Directory.EnumerateDirectories(torchPackage))
                yield return Path.Combine(version, "runtimes", LinuxRid, "native", TorchSharpNative);
    }

    /// <summary>The runtime folder of TorchSharp's Linux natives for this process's architecture.</summary>
    private static string LinuxRid => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";

    private static string? TorchSharpAssemblyDirectory()
    {
        // Located by name so that this check never triggers TorchSharp's own static initialisation.
        var loaded = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == "TorchSharp");
        if (loaded is not null && loaded.Location.Length > 0) return Path.GetDirectoryName(loaded.Location);
        string beside = Path.Combine(AppContext.BaseDirectory, "TorchSharp.dll");
        return File.Exists(beside) ? AppContext.BaseDirectory : null;
    }
}
