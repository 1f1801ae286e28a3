using System.Globalization;
using System.Net;
using System.Text;

namespace Slt.Notebooks.WriteUp;

/// <summary>One row of the index: a notebook, and its run if it ran in this invocation.</summary>
public sealed record IndexEntry(string Name, string FileName, NotebookRun? Run, bool PageExists);

/// <summary>The write-ups' front page: every notebook with its status and run time, linked to its page.</summary>
public static class IndexPage
{
    /// <summary>The page's HTML.</summary>
    public static string Render(IReadOnlyList<IndexEntry> entries, DateTimeOffset when)
    {
        var rows = new StringBuilder();
        foreach (var e in entries)
        {
            string link = e.PageExists ? $"<a href=\"{Uri.EscapeDataString(e.Name)}.html\">{WebUtility.HtmlEncode(e.FileName)}</a>" : WebUtility.HtmlEncode(e.FileName);
            string status = e.Run is null ? "<span class=\"status notrun\">not run this time</span>" : NotebookPage.StatusBadge(e.Run);
            string time = e.Run is null ? "" : NotebookPage.Seconds(e.Run.Duration);
            string cells = e.Run is null ? "" : $"{e.Run.Cells.Count(c => c.Status == CellStatus.Succeeded)} of {e.Run.Cells.Count(c => c.Status != CellStatus.NotCode)}";
            string detail = e.Run?.FailedCell is { } f ? $"<a href=\"{Uri.EscapeDataString(e.Name)}.html#cell-{f.Index + 1}\">cell {f.Index + 1}</a>: {WebUtility.HtmlEncode(Shorten(f.Error ?? ""))}" : "";
            string title = e.Run?.Cells.FirstOrDefault(c => c.IsMarkdown && c.Source.TrimStart().StartsWith('#'))?.Source.TrimStart().Split('\n')[0].TrimStart('#').Trim() ?? "";
            rows.Append($"<tr><td>{link}</td><td>{WebUtility.HtmlEncode(title)}</td><td>{status}</td><td style=\"text-align:right\">{time}</td><td style=\"text-align:right\">{cells}</td><td>{detail}</td></tr>\n");
        }
        int ran = entries.Count(e => e.Run is not null), failed = entries.Count(e => e.Run is { Succeeded: false });
        string summary = failed == 0 ? $"{ran} notebook{(ran == 1 ? "" : "s")} ran without error." : $"{failed} of {ran} notebooks failed.";
        return $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>SLT Workbook · write-ups</title>
            {PageAssets.Style}
            </head><body>
            <header><h1>SLT Workbook</h1>
            <p>Singular learning theory for transformers, as notebooks re-executed by <code>slt reproduce</code> on {when.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)}. {WebUtility.HtmlEncode(summary)}
            Every page opens offline: math and charts are included in the pages.</p></header>
            <main><table class="index">
            <thead><tr><th>notebook</th><th>title</th><th>status</th><th>run time</th><th>code cells run</th><th>failure</th></tr></thead>
            <tbody>
            {rows}</tbody></table></main>
            <footer>Each notebook also exists executed, with its outputs, as <code>NAME.ipynb</code> beside this page.</footer>
            </body></html>
            """;
    }

    private static string Shorten(string s)
    {
        string line = s.Split('\n')[0];
        return line.Length <= 160 ? line : line[..157] + "...";
    }
}
