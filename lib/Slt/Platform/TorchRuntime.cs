using System.Reflection;
using System.Runtime.CompilerServices;
using TorchSharp;

namespace Slt.Platform;

/// <summary>
/// The one place where the process meets libtorch: applies the libstdc++ fix (Linux, once) before TorchSharp loads,
/// picks the device (CUDA when built for and present, else CPU) and sets the thread count.
/// </summary>
/// <remarks>
/// Environment overrides: <c>SLT_DEVICE</c> = <c>cpu</c> | <c>cuda</c>, <c>SLT_THREADS</c> = a positive integer.
/// </remarks>
public static class TorchRuntime
{
    private static readonly object Gate = new();
    private static bool _initialised;

    /// <summary>True when this assembly was built with <c>-p:SltTorchBackend=cuda</c>.</summary>
    public static bool BuiltForCuda =>
#if SLT_CUDA
        true;
#else
        false;
#endif

    /// <summary>
    /// Linux only: makes TorchSharp's native library loadable on an older libstdc++ (<see cref="LibStdCxxCompatibility"/>),
    /// once per process, and says so on standard error for every copy it writes to (a first run; later runs find the
    /// copies fixed and are silent). Must run before anything touches TorchSharp's <c>torch</c> class;
    /// <see cref="Initialize"/> calls it first. Elsewhere, or where the system libstdc++ suffices, it does nothing.
    /// </summary>
    public static CompatibilityReport PrepareNativeLibrary()
    {
        lock (Gate)
        {
            if (LibStdCxxCompatibility.StartupReport is { } done) return done;
            var report = LibStdCxxCompatibility.EnsureTorchSharpLoadable();
            var fixedNow = report.FixedNow;
            if (fixedNow.Count > 0)
                Console.Error.WriteLine(
                    $"slt: this system's libstdc++ lacks {LibStdCxxCompatibility.MissingVersion}; marked that requirement weak (two bytes) in "
                    + $"{fixedNow.Count} cop{(fixedNow.Count == 1 ? "y" : "ies")} of {LibStdCxxCompatibility.TorchSharpNative}: "
                    + string.Join(", ", fixedNow.Select(f => f.Path))
                    + ". Done once; `slt doctor --fix` does the same (docs/platform.md §1).");
            foreach (var failed in report.Files.Where(f => f.Action == CompatibilityAction.Failed))
                Console.Error.WriteLine($"slt: could not apply the libstdc++ fix to {failed.Path}: {failed.Error}");
            return report;
        }
    }

    /// <summary>
    /// Prepares torch once per process: native fix, thread count (argument, else <c>SLT_THREADS</c>, else libtorch's
    /// default), and returns the device to compute on.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is not positive.</exception>
    /// <exception cref="InvalidOperationException">libtorch cannot be loaded; the message names the cause.</exception>
    public static torch.Device Initialize(int? threads = null)
    {
        if (threads is <= 0)
            throw new ArgumentOutOfRangeException(nameof(threads), threads, "threads must be a positive integer.");
        lock (Gate)
        {
            var report = PrepareNativeLibrary();
            try
            {
                SetThreads(threads ?? ThreadsFromEnvironment());
                _initialised = true;
            }
            catch (TypeInitializationException e)
            {
                string fix = report.Needed
                    ? $"The libstdc++ compatibility fix was needed; files: {string.Join("; ", report.Files.Select(f => $"{f.Path}: {f.Action}{(f.Error is null ? "" : " " + f.Error)}"))}."
                    : "The libstdc++ compatibility fix was not needed on this system.";
                throw new InvalidOperationException($"TorchSharp's native library could not be loaded. {fix} Cause: {e.InnerException?.Message ?? e.Message}", e);
            }
            return Device;
        }
    }

    /// <summary>The first touch of <c>torch</c> (its type initializer loads the natives), kept out of
    /// <see cref="Initialize"/> so the JIT cannot run that initializer before the fix.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void SetThreads(int? requested)
    {
        if (requested is int n) torch.set_num_threads(n);
        else _ = torch.get_num_threads();
    }

    /// <summary>True once <see cref="Initialize"/> has succeeded in this process.</summary>
    public static bool IsInitialised => _initialised;

    /// <summary>CUDA when built for it, present, and not overridden by <c>SLT_DEVICE=cpu</c>; else CPU.</summary>
    public static torch.Device Device
    {
        get
        {
            string? wanted = Environment.GetEnvironmentVariable("SLT_DEVICE")?.Trim().ToLowerInvariant();
            if (wanted is { Length: > 0 } and not ("cpu" or "cuda"))
                throw new InvalidOperationException($"SLT_DEVICE='{wanted}' is not a device; use cpu or cuda.");
            bool cuda = BuiltForCuda && wanted != "cpu" && torch.cuda.is_available();
            if (wanted == "cuda" && !cuda)
                throw new InvalidOperationException(BuiltForCuda
                    ? "SLT_DEVICE=cuda but no CUDA device is available."
                    : "SLT_DEVICE=cuda but this build uses the CPU backend; rebuild with -p:SltTorchBackend=cuda.");
            return cuda ? torch.CUDA : torch.CPU;
        }
    }

    /// <summary>Threads libtorch uses for intra-op parallelism.</summary>
    public static int Threads => torch.get_num_threads();

    /// <summary>The TorchSharp package version (from its assembly).</summary>
    public static string TorchSharpVersion =>
        typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>The libtorch version TorchSharp was built against.</summary>
    public static string LibTorchVersion => torch.__version__;

    private static int? ThreadsFromEnvironment()
    {
        string? raw = Environment.GetEnvironmentVariable("SLT_THREADS");
        if (string.IsNullOrWhiteSpace(raw)) return null;
        if (int.TryParse(raw, out int n) && n > 0) return n;
        throw new InvalidOperationException($"SLT_THREADS='{raw}' must be a positive integer.");
    }
}
