using System.Runtime.CompilerServices;
using Slt.Platform;

namespace Slt.Workbook;

/// <summary>What a notebook runs on, as <see cref="Notebook.Initialize"/> found it.</summary>
/// <param name="TorchSharp">TorchSharp's package version.</param>
/// <param name="LibTorch">libtorch's version.</param>
/// <param name="Device">Where tensors are computed (<c>cpu</c> or <c>cuda</c>).</param>
/// <param name="Threads">libtorch's intra-op threads.</param>
/// <param name="LibStdCxxFix">Whether the libstdc++ compatibility fix was needed here, and whether it is in place.</param>
/// <param name="NotebookFormatters">True when figure and DataFrame formatters were registered with a notebook kernel.</param>
public sealed record WorkbookEnvironment(string TorchSharp, string LibTorch, string Device, int Threads, string LibStdCxxFix, bool NotebookFormatters)
{
    /// <summary>One line, e.g. <c>libtorch 2.10.0 (TorchSharp 0.107.0) on cpu, 2 threads; libstdc++ fix: applied</c>.</summary>
    public override string ToString() =>
        $"libtorch {LibTorch} (TorchSharp {TorchSharp}) on {Device}, {Threads} threads; libstdc++ fix: {LibStdCxxFix}; notebook formatters: {(NotebookFormatters ? "registered" : "none (not in a kernel)")}";
}

/// <summary>
/// The first cell of every notebook:
/// <code>
/// #r "../bin/workbook/Slt.Workbook.dll"
/// Slt.Workbook.Notebook.Initialize();
/// </code>
/// It loads torch (with the libstdc++ fix), and teaches the kernel to show figures as interactive charts and
/// DataFrames as tables. Safe to call again (a re-run of the first cell).
/// </summary>
public static class Notebook
{
    /// <summary>Prepares torch and the kernel's formatters; returns what it found (shown as the cell's output).</summary>
    /// <param name="threads">libtorch's intra-op threads; default <c>SLT_THREADS</c>, else libtorch's choice.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is not positive.</exception>
    /// <exception cref="InvalidOperationException">torch cannot be loaded (the message names the cause).</exception>
    public static WorkbookEnvironment Initialize(int? threads = null)
    {
        var device = TorchRuntime.Initialize(threads);
        var fix = LibStdCxxCompatibility.StartupReport ?? LibStdCxxCompatibility.EnsureTorchSharpLoadable();
        PlotlyScript.Reset();
        bool formatters = TryRegisterFormatters();
        return new WorkbookEnvironment(TorchRuntime.TorchSharpVersion, TorchRuntime.LibTorchVersion, device.type.ToString().ToLowerInvariant(),
            TorchRuntime.Threads, !fix.Needed ? "not needed" : fix.InPlace ? "applied" : "FAILED", formatters);
    }

    /// <summary>
    /// Progress for a long cell, shown in place; pass it as the estimator's or the training's <c>progress</c>:
    /// <code>
    /// var llc = LocalLearningCoefficient.Estimate(target, settings, Notebook.Progress("SGLD"));
    /// </code>
    /// In a kernel the cell's output shows a bar that moves; headlessly (<c>slt reproduce</c>) the write-up shows only the
    /// final line, e.g. <c>SGLD: done, 3 520 chain-steps in 42.1 s</c>; outside a kernel the final line goes to
    /// standard output. See <see cref="NotebookProgress"/>.
    /// </summary>
    /// <param name="label">What runs, e.g. <c>SGLD</c> or <c>training</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="label"/> is empty.</exception>
    public static NotebookProgress Progress(string label)
    {
        var display = KernelDisplay.ForRunningCell();
        return display is null
            ? new NotebookProgress(label, line => { if (line.Finished) Console.WriteLine(line); }, live: false)
            : new NotebookProgress(label, line => display(line), live: !NotebookProgress.IsHeadless);
    }

    /// <summary>
    /// Registers the kernel formatters when Microsoft.DotNet.Interactive.Formatting is present (any notebook kernel);
    /// in a plain process it is absent, and nothing needs registering.
    /// </summary>
    private static bool TryRegisterFormatters()
    {
        try
        {
            RegisterFormatters();
            return true;
        }
        catch (FileNotFoundException e) when (e.FileName?.StartsWith("Microsoft.DotNet.Interactive.Formatting", StringComparison.Ordinal) == true)
        {
            return false;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RegisterFormatters() => KernelFormatters.Register();
}
