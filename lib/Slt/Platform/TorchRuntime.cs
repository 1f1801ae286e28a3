using System.Reflection;
using System.Runtime.CompilerServices;
using TorchSharp;

namespace Slt.Platform;

/// <summary>
/// The one place where the process meets libtorch: applies the libstdc++ fix before TorchSharp loads,
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

    /// <summary>Runs before any other code of this assembly: the fix must precede TorchSharp's native load.</summary>
#pragma warning disable CA2255 // A library module initializer is intended here: it is the only hook that runs before TorchSharp in a notebook kernel.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void ApplyNativeFixEarly() => LibStdCxxCompatibility.EnsureTorchSharpLoadable();

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
            var report = LibStdCxxCompatibility.EnsureTorchSharpLoadable();
            try
            {
                int? requested = threads ?? ThreadsFromEnvironment();
                if (requested is int n) torch.set_num_threads(n);
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
