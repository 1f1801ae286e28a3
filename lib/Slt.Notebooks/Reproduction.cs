using Slt.Notebooks.WriteUp;

namespace Slt.Notebooks;

/// <summary>What <c>slt reproduce</c> runs and where it writes.</summary>
/// <param name="NotebooksFolder">Folder whose <c>.ipynb</c> and <c>.dib</c> files are run, in file-name order.</param>
/// <param name="OutputFolder">Where the executed notebooks, their pages and <c>index.html</c> go (created if missing).</param>
/// <param name="Only">Run only this notebook: its file name, with or without extension, or a prefix that names exactly one (e.g. <c>00</c>); null for all.</param>
public sealed record ReproduceOptions(string NotebooksFolder, string OutputFolder, string? Only = null)
{
    public string NotebooksFolder { get; } = string.IsNullOrWhiteSpace(NotebooksFolder)
        ? throw new ArgumentException("NotebooksFolder must name a folder.", nameof(NotebooksFolder)) : Path.GetFullPath(NotebooksFolder);

    public string OutputFolder { get; } = string.IsNullOrWhiteSpace(OutputFolder)
        ? throw new ArgumentException("OutputFolder must name a folder.", nameof(OutputFolder)) : Path.GetFullPath(OutputFolder);
}

/// <summary>Progress of a reproduction: a notebook starts or ends, or one of its cells does.</summary>
public sealed record ReproduceProgress(int NotebookIndex, int NotebookCount, string Notebook, CellProgress? Cell, NotebookRun? Finished);

/// <summary>The outcome: every notebook run, and the index page written.</summary>
public sealed record ReproduceResult(IReadOnlyList<NotebookRun> Runs, string IndexPath)
{
    /// <summary>True when every notebook ran without error.</summary>
    public bool Succeeded => Runs.All(r => r.Succeeded);
}

/// <summary>
/// The workbook's main job: re-executes the notebooks in order, in this process (one kernel each), and writes
/// <c>NAME.ipynb</c> (executed, with outputs), <c>NAME.html</c> (offline write-up), <c>NAME/NAME-table-K.csv</c> (each table
/// the notebook showed, linked from the page; <see cref="TableFiles"/>) and <c>index.html</c>.
/// Every notebook runs even after one fails; the result says which failed.
/// </summary>
public static class Reproduction
{
    /// <exception cref="DirectoryNotFoundException">The notebook folder does not exist.</exception>
    /// <exception cref="ArgumentException"><see cref="ReproduceOptions.Only"/> names no notebook, or several; or the folder holds none.</exception>
    public static async Task<ReproduceResult> RunAsync(ReproduceOptions options, IProgress<ReproduceProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var all = NotebookFile.InFolder(options.NotebooksFolder);
        if (all.Count == 0) throw new ArgumentException($"No .ipynb or .dib notebooks in '{options.NotebooksFolder}'.", nameof(options));
        var selected = options.Only is null ? all : [Select(all, options.Only)];
        Directory.CreateDirectory(options.OutputFolder);

        var runs = new List<NotebookRun>();
        for (int i = 0; i < selected.Count; i++)
        {
            string name = Path.GetFileNameWithoutExtension(selected[i]);
            progress?.Report(new ReproduceProgress(i, selected.Count, name, null, null));
            var cellProgress = progress is null ? null : new SynchronousProgress<CellProgress>(c => progress.Report(new ReproduceProgress(i, selected.Count, name, c, null)));
            var run = await NotebookRunner.RunAsync(selected[i], cellProgress, cancellationToken);
            var when = DateTimeOffset.UtcNow;
            await File.WriteAllTextAsync(Path.Combine(options.OutputFolder, name + ".ipynb"), NotebookFile.ToExecutedIpynb(run), cancellationToken);
            var linked = TableFiles.Export(run, options.OutputFolder);
            await File.WriteAllTextAsync(Path.Combine(options.OutputFolder, name + ".html"), NotebookPage.Render(linked, when), cancellationToken);
            runs.Add(run);
            progress?.Report(new ReproduceProgress(i, selected.Count, name, null, run));
        }

        var entries = all.Select(path =>
        {
            string name = Path.GetFileNameWithoutExtension(path);
            var run = runs.FirstOrDefault(r => r.Path == path);
            return new IndexEntry(name, Path.GetFileName(path), run, File.Exists(Path.Combine(options.OutputFolder, name + ".html")));
        }).ToList();
        string index = Path.Combine(options.OutputFolder, "index.html");
        await File.WriteAllTextAsync(index, IndexPage.Render(entries, DateTimeOffset.UtcNow), cancellationToken);
        return new ReproduceResult(runs, index);
    }

    private static string Select(IReadOnlyList<string> all, string only)
    {
        var exact = all.Where(p => Path.GetFileName(p) == only || Path.GetFileNameWithoutExtension(p) == only).ToList();
        var matches = exact.Count > 0 ? exact : all.Where(p => Path.GetFileName(p).StartsWith(only, StringComparison.Ordinal)).ToList();
        string names = string.Join(", ", all.Select(Path.GetFileNameWithoutExtension));
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new ArgumentException($"--only '{only}' names no notebook; the notebooks are: {names}.", nameof(only)),
            _ => throw new ArgumentException($"--only '{only}' names {matches.Count} notebooks ({string.Join(", ", matches.Select(Path.GetFileNameWithoutExtension))}); give more of the name.", nameof(only)),
        };
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool and reorder reports).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
