using System.Net;
using Slt.Presentation;

namespace Slt.Workbook;

/// <summary>Whether a chart's HTML fragment carries plotly.js itself.</summary>
public enum PlotlyInclusion
{
    /// <summary>Only the first chart after <see cref="Notebook.Initialize"/> (what notebook outputs use).</summary>
    FirstInSession,
    /// <summary>Every fragment carries plotly.js (a fragment that must stand alone).</summary>
    Always,
    /// <summary>Never: the page provides plotly.js (see <see cref="PlotlyScript.ScriptElement"/>).</summary>
    Never,
}

/// <summary>
/// Draws <see cref="Figure"/>s and <see cref="FigureGrid"/>s as interactive plotly.js charts: Plotly JSON from
/// Plotly.NET (in its own load context), wrapped in an HTML fragment or a whole page. Works in any process: a
/// notebook kernel, the in-process runner, a console program, a test.
/// </summary>
public static class FigureHtml
{
    /// <summary>Plotly's figure JSON (<c>{"data": [...], "layout": {...}}</c>).</summary>
    public static string ToPlotlyJson(this Figure figure) =>
        ChartLoadContext.Functions.FigureToPlotlyJson(figure.ToJson());

    /// <summary>Plotly's figure JSON for a grid (one subplot per figure).</summary>
    public static string ToPlotlyJson(this FigureGrid grid) =>
        ChartLoadContext.Functions.GridToPlotlyJson(grid.ToJson());

    /// <summary>An HTML fragment (a div and a script) that draws the figure.</summary>
    public static string ToHtml(this Figure figure, PlotlyInclusion plotly = PlotlyInclusion.FirstInSession) =>
        Fragment(figure.ToPlotlyJson(), figure.Title, plotly);

    /// <summary>An HTML fragment that draws the grid.</summary>
    public static string ToHtml(this FigureGrid grid, PlotlyInclusion plotly = PlotlyInclusion.FirstInSession) =>
        Fragment(grid.ToPlotlyJson(), string.Join(", ", grid.Figures.Select(f => f.Title)), plotly);

    /// <summary>A whole HTML page (plotly.js in its head) that shows the figure; opens offline.</summary>
    public static string ToPageHtml(this Figure figure) => Page(figure.Title, Fragment(figure.ToPlotlyJson(), figure.Title, PlotlyInclusion.Never));

    /// <summary>Writes <see cref="ToPageHtml(Figure)"/> to <paramref name="path"/> and returns the full path.</summary>
    public static string SaveHtml(this Figure figure, string path)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, figure.ToPageHtml());
        return full;
    }

    private static string Page(string title, string body) =>
        $"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>{WebUtility.HtmlEncode(title)}</title>
        {PlotlyScript.ScriptElement()}
        </head><body>
        {body}
        </body></html>
        """;

    private static string Fragment(string plotlyJson, string title, PlotlyInclusion plotly)
    {
        string id = "slt-figure-" + Guid.NewGuid().ToString("N")[..12];
        bool include = plotly switch
        {
            PlotlyInclusion.Always => true,
            PlotlyInclusion.Never => false,
            _ => PlotlyScript.ClaimInclusion(),
        };
        // "</" can only occur inside JSON strings; "<\/" is the same string and cannot close the script element.
        string json = plotlyJson.Replace("</", "<\\/", StringComparison.Ordinal);
        return $$"""
            <div class="slt-figure" id="{{id}}" style="width:100%" aria-label="{{WebUtility.HtmlEncode(title)}}"></div>
            {{(include ? PlotlyScript.ScriptElement() : "")}}
            <script type="text/javascript">
            (function () {
              var figure = {{json}};
              var tries = 0;
              function draw() {
                if (window.Plotly) { Plotly.newPlot('{{id}}', figure.data, figure.layout, { responsive: true, displaylogo: false }); }
                else if (tries++ < 200) { setTimeout(draw, 50); }
                else { document.getElementById('{{id}}').textContent = 'plotly.js is not loaded on this page.'; }
              }
              draw();
            })();
            </script>
            """;
    }
}
