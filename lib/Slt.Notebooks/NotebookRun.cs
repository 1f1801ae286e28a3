namespace Slt.Notebooks;

/// <summary>One output of a cell, as a notebook stores it: a kind and a value per MIME type.</summary>
/// <param name="Kind">What produced it.</param>
/// <param name="Data">MIME type → value (<c>text/html</c>, <c>text/plain</c>, ...); for an error, <c>text/plain</c> holds the message.</param>
public sealed record CellOutput(CellOutputKind Kind, IReadOnlyDictionary<string, string> Data)
{
    /// <summary>The HTML form when there is one.</summary>
    public string? Html => Data.TryGetValue("text/html", out var html) ? html : null;

    /// <summary>The plain-text form when there is one.</summary>
    public string? Text => Data.TryGetValue("text/plain", out var text) ? text : null;
}

/// <summary>Where a cell output came from.</summary>
public enum CellOutputKind
{
    /// <summary>A displayed value (<c>Display()</c>, or the value of the cell's last expression).</summary>
    Display,
    /// <summary>Text written to standard output.</summary>
    StandardOutput,
    /// <summary>Text written to standard error.</summary>
    StandardError,
    /// <summary>The cell failed; the message is the text.</summary>
    Error,
}

/// <summary>What happened to one cell.</summary>
public enum CellStatus
{
    /// <summary>Markdown (and other non-code) cells are not executed.</summary>
    NotCode,
    /// <summary>Executed without error.</summary>
    Succeeded,
    /// <summary>Executed and failed.</summary>
    Failed,
    /// <summary>Not executed because an earlier cell failed.</summary>
    Skipped,
}

/// <summary>One cell after the run.</summary>
/// <param name="Index">Zero-based position in the notebook.</param>
/// <param name="Language">The kernel name (<c>csharp</c>, <c>markdown</c>, ...).</param>
/// <param name="Source">The cell's text.</param>
/// <param name="Status">What happened.</param>
/// <param name="Outputs">Outputs in the order they were produced.</param>
/// <param name="Duration">Execution time (zero for cells not executed).</param>
/// <param name="Error">The failure message, for a failed cell.</param>
public sealed record CellRun(int Index, string Language, string Source, CellStatus Status, IReadOnlyList<CellOutput> Outputs, TimeSpan Duration, string? Error)
{
    /// <summary>True for a markdown cell.</summary>
    public bool IsMarkdown => Language == "markdown";
}

/// <summary>One notebook after the run.</summary>
/// <param name="Path">The notebook file.</param>
/// <param name="Cells">Every cell, executed or not.</param>
/// <param name="Duration">Wall time of the whole notebook, kernel start included.</param>
public sealed record NotebookRun(string Path, IReadOnlyList<CellRun> Cells, TimeSpan Duration)
{
    /// <summary>The file name without extension, e.g. <c>00-workbook-tour</c>.</summary>
    public string Name => System.IO.Path.GetFileNameWithoutExtension(Path);

    /// <summary>True when no cell failed.</summary>
    public bool Succeeded => Cells.All(c => c.Status != CellStatus.Failed);

    /// <summary>The cell that failed, if any.</summary>
    public CellRun? FailedCell => Cells.FirstOrDefault(c => c.Status == CellStatus.Failed);
}
