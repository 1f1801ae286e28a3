using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Slt.Workbook;

namespace Slt.Notebooks.WriteUp;

/// <summary>
/// One notebook as a self-contained HTML page: rendered markdown and math, each code cell with its outputs, charts
/// drawn by plotly.js (included once, in the page head), the status and run time at the top, and the failing cell
/// (if any) called out and linked.
/// </summary>
public static partial class NotebookPage
{
    /// <summary>The page's HTML.</summary>
    public static string Render(NotebookRun run, DateTimeOffset when)
    {
        var body = new StringBuilder();
        bool charts = false;
        foreach (var cell in run.Cells)
        {
            if (cell.IsMarkdown)
            {
                body.Append($"<section class=\"cell markdown\" id=\"cell-{cell.Index + 1}\">").Append(MarkdownRenderer.ToHtml(cell.Source)).Append("</section>\n");
                continue;
            }
            if (cell.Status == CellStatus.NotCode) continue;
            string status = cell.Status switch { CellStatus.Failed => " failed", CellStatus.Skipped => " skipped", _ => "" };
            body.Append($"<section class=\"cell code{status}\" id=\"cell-{cell.Index + 1}\">");
            body.Append("<pre class=\"source\"><code class=\"language-csharp\">").Append(Preformatted(cell.Source)).Append("</code></pre>");
            body.Append("<div class=\"meta\">").Append(CellMeta(cell)).Append("</div>");
            if (cell.Outputs.Count > 0)
            {
                body.Append("<div class=\"outputs\">");
                foreach (var output in cell.Outputs) body.Append(RenderOutput(output, ref charts));
                body.Append("</div>");
            }
            body.Append("</section>\n");
        }

        var page = new StringBuilder();
        page.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        page.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        page.Append("<title>").Append(WebUtility.HtmlEncode(run.Name)).Append(" · SLT Workbook</title>\n");
        page.Append(PageAssets.Style).Append('\n').Append(PageAssets.KatexStyle).Append('\n').Append(PageAssets.KatexScript).Append('\n');
        if (charts) page.Append(PlotlyScript.ScriptElement()).Append('\n');
        page.Append("</head><body>\n<nav><a href=\"index.html\">← all notebooks</a></nav>\n");
        page.Append("<header><p>").Append(StatusBadge(run)).Append(' ')
            .Append(WebUtility.HtmlEncode($"{run.Name}{Path.GetExtension(run.Path)} · {Seconds(run.Duration)} · run {when.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)}"))
            .Append("</p></header>\n");
        if (run.FailedCell is { } failed)
            page.Append("<div class=\"failure\"><strong>Cell ").Append(failed.Index + 1).Append(" failed</strong> (<a href=\"#cell-")
                .Append(failed.Index + 1).Append("\">go to the cell</a>):<pre>").Append(WebUtility.HtmlEncode(failed.Error ?? "")).Append("</pre></div>\n");
        page.Append("<main>\n").Append(body).Append("</main>\n");
        page.Append("<footer>Written by <code>slt reproduce</code>. Math by KaTeX ").Append(PageAssets.KatexVersion)
            .Append(charts ? $", charts by plotly.js {PlotlyScript.Version} (MIT licence)" : "").Append(", both included in this page: it needs no network.</footer>\n");
        page.Append(PageAssets.RenderMathScript).Append("\n</body></html>\n");
        return page.ToString();
    }

    /// <summary>The status badge used on the page and in the index.</summary>
    public static string StatusBadge(NotebookRun run) =>
        run.Succeeded ? "<span class=\"status ok\">succeeded</span>" : "<span class=\"status failed\">failed</span>";

    /// <summary>Seconds with one decimal, e.g. <c>12.3 s</c>.</summary>
    public static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + " s";

    private static string CellMeta(CellRun cell) => cell.Status switch
    {
        CellStatus.Failed => $"cell {cell.Index + 1} · failed after {Seconds(cell.Duration)}",
        CellStatus.Skipped => $"cell {cell.Index + 1} · not run (an earlier cell failed)",
        _ => $"cell {cell.Index + 1} · {Seconds(cell.Duration)}",
    };

    private static string RenderOutput(CellOutput output, ref bool charts)
    {
        switch (output.Kind)
        {
            case CellOutputKind.Error:
                return $"<pre class=\"error\">{Preformatted(output.Text ?? "")}</pre>";
            case CellOutputKind.StandardError:
                return $"<pre class=\"stderr\">{Preformatted(output.Text ?? "")}</pre>";
            case CellOutputKind.StandardOutput:
                return $"<pre class=\"stdout\">{Preformatted(output.Text ?? "")}</pre>";
        }
        if (output.Html is { } html)
        {
            // plotly.js travels in the first chart's output; the page carries it once, in its head.
            html = PlotlyBlock().Replace(html, "");
            if (html.Contains("class=\"slt-figure\"", StringComparison.Ordinal)) charts = true;
            return $"<div class=\"output\">{html}</div>";
        }
        return $"<pre>{Preformatted(output.Text ?? string.Join("\n", output.Data.Values))}</pre>";
    }

    /// <summary>
    /// Text for a <c>pre</c> element, HTML-encoded, with each letter that carries combining marks (λ̂ is λ + U+0302) in a
    /// <c>span class="combined"</c>: monospace fonts such as DejaVu Sans Mono place the mark after the letter (λˆ), so the
    /// page's stylesheet draws these few letters in a proportional font that places it above.
    /// </summary>
    public static string Preformatted(string text) =>
        CombiningSequence().Replace(WebUtility.HtmlEncode(text), m => $"<span class=\"combined\">{m.Value}</span>");

    [GeneratedRegex(@"\P{M}\p{M}+")]
    private static partial Regex CombiningSequence();

    [GeneratedRegex("<script[^>]*\\b" + PlotlyScript.MarkerAttribute + "\\b[^>]*>.*?</script>", RegexOptions.Singleline)]
    private static partial Regex PlotlyBlock();
}
