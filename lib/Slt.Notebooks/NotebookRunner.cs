using System.Diagnostics;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;
using Microsoft.DotNet.Interactive.PackageManagement;

namespace Slt.Notebooks;

/// <summary>Progress of one notebook: which cell is running.</summary>
/// <param name="Notebook">The notebook's name.</param>
/// <param name="CellIndex">Zero-based index of the cell that starts (or finished, with <paramref name="Finished"/>).</param>
/// <param name="CellCount">Cells in the notebook.</param>
/// <param name="Finished">True once the cell has finished.</param>
public sealed record CellProgress(string Notebook, int CellIndex, int CellCount, bool Finished);

/// <summary>
/// Executes a notebook in this process with .NET Interactive: one fresh C# kernel per notebook, its cells in order,
/// stopping at the first failure (later cells are reported as skipped). The current directory is the notebook's
/// folder while it runs, as in VS Code, so relative paths (the first cell's <c>#r</c>, data files) mean the same.
/// </summary>
public static class NotebookRunner
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    /// <summary>Runs every cell of <paramref name="path"/> and collects the outputs.</summary>
    /// <exception cref="FileNotFoundException">The notebook does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a readable notebook.</exception>
    public static async Task<NotebookRun> RunAsync(string path, IProgress<CellProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"Notebook '{path}' does not exist.", full);
        var document = NotebookFile.Read(full);
        var elements = document.Elements.ToList();
        string name = Path.GetFileNameWithoutExtension(full);

        // The current directory and the formatter registry are process-wide: notebooks run one at a time.
        await OneAtATime.WaitAsync(cancellationToken);
        string previousDirectory = Environment.CurrentDirectory;
        object? previousHeadless = AppContext.GetData(Slt.Workbook.NotebookProgress.HeadlessSwitch);
        var clock = Stopwatch.StartNew();
        try
        {
            Environment.CurrentDirectory = Path.GetDirectoryName(full)!;
            // Progress in a cell (Notebook.Progress) records its final line only, not a stream of updates.
            AppContext.SetData(Slt.Workbook.NotebookProgress.HeadlessSwitch, true);
            Formatter.ResetToDefault();
            using var kernel = CreateKernel();
            var cells = new List<CellRun>(elements.Count);
            bool failed = false;
            for (int i = 0; i < elements.Count; i++)
            {
                var element = elements[i];
                string language = element.KernelName ?? "csharp";
                if (language == "markdown")
                {
                    cells.Add(new CellRun(i, language, element.Contents, CellStatus.NotCode, [], TimeSpan.Zero, null));
                    continue;
                }
                if (language is not ("csharp" or "C#" or "cs") && !failed)
                {
                    // A cell the runner cannot execute is a failure, not a silent skip.
                    string message = $"Cell {i + 1} is in '{language}'; slt reproduce runs C# and markdown cells only.";
                    cells.Add(new CellRun(i, language, element.Contents, CellStatus.Failed,
                        [new CellOutput(CellOutputKind.Error, new Dictionary<string, string> { ["text/plain"] = message })], TimeSpan.Zero, message));
                    failed = true;
                    continue;
                }
                if (failed || string.IsNullOrWhiteSpace(element.Contents))
                {
                    cells.Add(new CellRun(i, language, element.Contents, failed ? CellStatus.Skipped : CellStatus.Succeeded, [], TimeSpan.Zero, null));
                    continue;
                }
                progress?.Report(new CellProgress(name, i, elements.Count, Finished: false));
                var cell = await RunCellAsync(kernel, i, element.Contents, cancellationToken);
                cells.Add(cell);
                failed = cell.Status == CellStatus.Failed;
                progress?.Report(new CellProgress(name, i, elements.Count, Finished: true));
            }
            return new NotebookRun(full, cells, clock.Elapsed);
        }
        finally
        {
            Environment.CurrentDirectory = previousDirectory;
            AppContext.SetData(Slt.Workbook.NotebookProgress.HeadlessSwitch, previousHeadless);
            OneAtATime.Release();
        }
    }

    private static CompositeKernel CreateKernel()
    {
        var csharp = new CSharpKernel().UseKernelHelpers();
        csharp.UseNugetDirective((kernel, references) =>
        {
            kernel.AddAssemblyReferences(references.SelectMany(r => r.AssemblyPaths));
            return Task.CompletedTask;
        }, forceRestore: false);
        return new CompositeKernel { csharp };
    }

    private static async Task<CellRun> RunCellAsync(Kernel kernel, int index, string code, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var outputs = new List<CellOutput>();
        var displayed = new Dictionary<string, int>();
        string? error = null;
        var result = await kernel.SendAsync(new SubmitCode(code, "csharp"), cancellationToken);
        foreach (var e in result.Events)
        {
            switch (e)
            {
                case DisplayedValueUpdated updated when updated.ValueId is not null && displayed.TryGetValue(updated.ValueId, out int at):
                    outputs[at] = Display(updated.FormattedValues);
                    break;
                case DisplayEvent display and (DisplayedValueProduced or ReturnValueProduced or DisplayedValueUpdated):
                    if (display is DisplayedValueProduced { ValueId: { } id }) displayed[id] = outputs.Count;
                    outputs.Add(Display(display.FormattedValues));
                    break;
                case StandardOutputValueProduced stdout:
                    outputs.Add(Text(CellOutputKind.StandardOutput, stdout.FormattedValues));
                    break;
                case StandardErrorValueProduced stderr:
                    outputs.Add(Text(CellOutputKind.StandardError, stderr.FormattedValues));
                    break;
                case ErrorProduced produced:
                    error ??= produced.Message;
                    break;
                case CommandFailed failure:
                    error = failure.Exception is { } ex ? $"{ex.GetType().Name}: {ex.Message}" : failure.Message;
                    break;
            }
        }
        if (error is not null) outputs.Add(new CellOutput(CellOutputKind.Error, new Dictionary<string, string> { ["text/plain"] = error }));
        return new CellRun(index, "csharp", code, error is null ? CellStatus.Succeeded : CellStatus.Failed, outputs, clock.Elapsed, error);
    }

    private static CellOutput Display(IReadOnlyCollection<FormattedValue> values) =>
        new(CellOutputKind.Display, values.GroupBy(v => v.MimeType).ToDictionary(g => g.Key, g => g.First().Value));

    private static CellOutput Text(CellOutputKind kind, IReadOnlyCollection<FormattedValue> values) =>
        new(kind, new Dictionary<string, string> { ["text/plain"] = string.Concat(values.Where(v => v.MimeType == "text/plain").Select(v => v.Value)) });
}
