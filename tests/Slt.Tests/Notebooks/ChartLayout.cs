using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Slt.Tests.Notebooks;

/// <summary>A rectangle on the page, in CSS pixels.</summary>
internal sealed record Box(double Left, double Top, double Right, double Bottom)
{
    public double Width => Right - Left;
    public double Height => Bottom - Top;

    /// <summary>True when the two overlap by more than a pixel in both directions (touching edges do not count).</summary>
    public bool Overlaps(Box other) =>
        Math.Min(Right, other.Right) - Math.Max(Left, other.Left) > 1 && Math.Min(Bottom, other.Bottom) - Math.Max(Top, other.Top) > 1;

    public override string ToString() => FormattableString.Invariant($"[{Left:F0}, {Right:F0}] × [{Top:F0}, {Bottom:F0}]");
}

/// <summary>One axis of a chart as drawn: what its traces hold, and the ticks plotly labelled.</summary>
/// <param name="Name">Plotly's axis name (<c>xaxis2</c>).</param>
/// <param name="Type">category, linear, log.</param>
/// <param name="Heatmap">A heatmap lies on it.</param>
/// <param name="Grid">The values its traces hold (labels on a categorical axis, numbers formatted invariantly otherwise).</param>
/// <param name="Ticks">The labelled ticks: their text on a categorical axis, their values otherwise (on a log axis, 10^position).</param>
/// <param name="TickLabels">The ticks' text as drawn.</param>
internal sealed record DrawnAxis(string Name, string Type, bool Heatmap, IReadOnlyList<string> Grid, IReadOnlyList<string> Ticks, IReadOnlyList<string> TickLabels);

/// <summary>One chart as drawn: its plotting areas (one per panel), colour bars, legend, axes.</summary>
internal sealed record DrawnChart(string Title, IReadOnlyList<Box> Plots, IReadOnlyList<Box> Colorbars, Box? Legend, IReadOnlyList<DrawnAxis> Axes);

/// <summary>
/// Measures the charts of a page in headless Chromium (1300 px wide, as a reader's browser): a script added to a copy of
/// the page waits until plotly has drawn every <c>.slt-figure</c>, then records the text column's width and, for each
/// chart, its plotting areas, colour bars, legend and axis ticks. <see cref="Problems"/> holds them to the workbook's chart
/// conventions (docs/charts.md).
/// </summary>
internal static partial class ChartLayout
{
    /// <summary>The window width of the measurements: a laptop browser, as the seminar's readers use.</summary>
    public const int WindowWidth = 1300;

    /// <summary>One chart's plotting area must span at least this share of the text column.</summary>
    public const double MinimumWidthShare = 0.75;

    private const string Script = """
        <script>
        (function () {
          function box(el) { var r = el.getBoundingClientRect(); return { left: r.left, top: r.top, right: r.right, bottom: r.bottom }; }
          function drawn() {
            var figures = Array.from(document.querySelectorAll('.slt-figure'));
            return figures.every(function (gd) { return gd._fullLayout && gd.querySelector('svg.main-svg') && gd.querySelector('.nsewdrag'); });
          }
          function axisOf(layout, id) { return layout[(id || 'x').replace(/^([xy])/, '$1axis')]; }
          function measure() {
            var main = document.querySelector('main') || document.body;
            var style = getComputedStyle(main);
            var column = main.getBoundingClientRect().width - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
            var charts = Array.from(document.querySelectorAll('.slt-figure')).map(function (gd) {
              var layout = gd._fullLayout, axes = {};
              gd._fullData.forEach(function (t) {
                if (t.visible === false) return;
                var heatmap = t.type === 'heatmap';
                [['x', t.xaxis, t.x], ['y', t.yaxis, heatmap ? t.y : null]].forEach(function (p) {
                  var ax = axisOf(layout, p[1]);
                  if (!ax) return;
                  var entry = axes[ax._name] || (axes[ax._name] = { name: ax._name, type: ax.type, heatmap: false, scatter: false, grid: [], ticks: [] });
                  entry.heatmap = entry.heatmap || heatmap;
                  if (!p[2]) { if (p[0] === 'x') entry.scatter = true; return; }
                  Array.from(p[2]).forEach(function (v) { var s = ax.type === 'category' ? String(v) : String(Number(v)); if (entry.grid.indexOf(s) < 0) entry.grid.push(s); });
                });
              });
              Object.keys(axes).forEach(function (name) {
                var ax = layout[name], entry = axes[name];
                entry.ticks = (ax._vals || []).map(function (v) {
                  return ax.type === 'category' ? String(v.text) : String(ax.type === 'log' ? Math.pow(10, v.x) : v.x);
                });
                entry.labels = (ax._vals || []).map(function (v) { return String(v.text); });
              });
              return {
                title: gd.getAttribute('aria-label') || gd.id,
                plots: Array.from(gd.querySelectorAll('.nsewdrag')).map(box),
                colorbars: Array.from(gd.querySelectorAll('g.colorbar')).map(box),
                legend: gd.querySelector('g.legend') ? box(gd.querySelector('g.legend')) : null,
                axes: Object.keys(axes).map(function (k) { return axes[k]; })
              };
            });
            var out = document.createElement('pre');
            out.id = 'slt-chart-measurements';
            out.textContent = JSON.stringify({ column: column, charts: charts });
            document.body.appendChild(out);
          }
          var tries = 0;
          (function wait() {
            if (drawn() || tries++ > 300) { setTimeout(measure, 200); } else { setTimeout(wait, 50); }
          })();
        })();
        </script>
        """;

    /// <summary>The text column's width and every chart of the page at <paramref name="htmlPath"/>, as Chromium drew them.</summary>
    public static (double Column, IReadOnlyList<DrawnChart> Charts) Measure(string htmlPath)
    {
        string folder = Directory.CreateTempSubdirectory("slt-chart-layout-").FullName;
        try
        {
            string html = File.ReadAllText(htmlPath);
            int end = html.LastIndexOf("</body>", StringComparison.OrdinalIgnoreCase);
            string copy = Path.Combine(folder, Path.GetFileName(htmlPath));
            File.WriteAllText(copy, end < 0 ? html + Script : html[..end] + Script + html[end..]);
            var (dom, _) = Chromium.DumpDom(copy, WindowWidth);
            var match = Measurements().Match(dom);
            Assert.True(match.Success, $"{Path.GetFileName(htmlPath)}: the measuring script wrote nothing (did plotly draw?).");
            using var json = JsonDocument.Parse(System.Net.WebUtility.HtmlDecode(match.Groups["json"].Value));
            double column = json.RootElement.GetProperty("column").GetDouble();
            var charts = json.RootElement.GetProperty("charts").EnumerateArray().Select(c => new DrawnChart(
                c.GetProperty("title").GetString() ?? "",
                c.GetProperty("plots").EnumerateArray().Select(ToBox).ToList(),
                c.GetProperty("colorbars").EnumerateArray().Select(ToBox).ToList(),
                c.GetProperty("legend").ValueKind == JsonValueKind.Null ? null : ToBox(c.GetProperty("legend")),
                c.GetProperty("axes").EnumerateArray().Where(a => a.GetProperty("heatmap").GetBoolean() || a.GetProperty("scatter").GetBoolean() || a.GetProperty("grid").GetArrayLength() > 0)
                    .Select(a => new DrawnAxis(a.GetProperty("name").GetString()!, a.GetProperty("type").GetString()!, a.GetProperty("heatmap").GetBoolean(),
                        a.GetProperty("grid").EnumerateArray().Select(v => v.GetString()!).ToList(),
                        a.GetProperty("ticks").EnumerateArray().Select(v => v.GetString()!).ToList(),
                        a.GetProperty("labels").EnumerateArray().Select(v => v.GetString()!).ToList())).ToList())).ToList();
            return (column, charts);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    /// <summary>
    /// What breaks the conventions, one line each: a chart whose plotting areas span less than
    /// <see cref="MinimumWidthShare"/> of the column (or are under 180 px tall); two colour bars that overlap, or one over a
    /// plotting area; a legend over a plotting area; a tick on an axis of a grid (a heatmap's, or an x axis whose lines
    /// hold at most 10 values) at a value the grid does not hold (on a heatmap's numeric axis: outside the grid's range).
    /// </summary>
    public static IReadOnlyList<string> Problems(double column, IReadOnlyList<DrawnChart> charts)
    {
        var problems = new List<string>();
        foreach (var chart in charts)
        {
            string name = $"'{chart.Title}'";
            if (chart.Plots.Count == 0) { problems.Add($"{name}: no plotting area was drawn."); continue; }
            double span = chart.Plots.Max(p => p.Right) - chart.Plots.Min(p => p.Left);
            if (span < MinimumWidthShare * column)
                problems.Add(FormattableString.Invariant($"{name}: the plotting area spans {span:F0} px of a {column:F0} px text column ({span / column:P0}, fewer than {MinimumWidthShare:P0})."));
            foreach (var plot in chart.Plots.Where(p => p.Height < 180))
                problems.Add(FormattableString.Invariant($"{name}: a plotting area is {plot.Height:F0} px tall, under 180 px."));
            for (int i = 0; i < chart.Colorbars.Count; i++)
            {
                for (int j = i + 1; j < chart.Colorbars.Count; j++)
                    if (chart.Colorbars[i].Overlaps(chart.Colorbars[j]))
                        problems.Add($"{name}: colour bars {i + 1} {chart.Colorbars[i]} and {j + 1} {chart.Colorbars[j]} overlap.");
                foreach (var plot in chart.Plots.Where(p => p.Overlaps(chart.Colorbars[i])))
                    problems.Add($"{name}: colour bar {i + 1} {chart.Colorbars[i]} lies over the plotting area {plot}.");
            }
            if (chart.Legend is { } legend)
                foreach (var plot in chart.Plots.Where(p => p.Overlaps(legend)))
                    problems.Add($"{name}: the legend {legend} lies over the plotting area {plot}.");
            foreach (var axis in chart.Axes)
            {
                bool grid = axis.Heatmap || (axis.Name.StartsWith('x') && axis.Grid.Count is >= 2 and <= 10);
                if (!grid || axis.Grid.Count == 0) continue;
                IEnumerable<string> strays;
                if (axis.Type == "category") strays = axis.Ticks.Where(t => !axis.Grid.Contains(t));
                else
                {
                    var values = axis.Grid.Select(Parse).Where(double.IsFinite).ToList();
                    double lo = values.Min(), hi = values.Max(), slack = 1e-9 * Math.Max(1, hi - lo);
                    strays = axis.Heatmap
                        ? axis.Ticks.Where(t => Parse(t) < lo - slack || Parse(t) > hi + slack)
                        : axis.Ticks.Where(t => !values.Any(v => Math.Abs(v - Parse(t)) <= 1e-9 * Math.Max(1, Math.Abs(v))));
                }
                foreach (var stray in strays.Distinct())
                    problems.Add($"{name}: axis {axis.Name} ({axis.Type}) is labelled at {stray}, which its grid [{string.Join(", ", axis.Grid)}] does not hold.");
            }
        }
        return problems;
    }

    private static double Parse(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static Box ToBox(JsonElement e) =>
        new(e.GetProperty("left").GetDouble(), e.GetProperty("top").GetDouble(), e.GetProperty("right").GetDouble(), e.GetProperty("bottom").GetDouble());

    [GeneratedRegex("<pre id=\"slt-chart-measurements\">(?<json>.*?)</pre>", RegexOptions.Singleline)]
    private static partial Regex Measurements();
}
