using System.Text.Json.Nodes;
using Slt.Presentation;

namespace Slt.Charts;

/// <summary>
/// The chart conventions of the workbook (docs/charts.md), applied to the Plotly JSON that Plotly.NET wrote for a
/// <see cref="Figure"/> or <see cref="FigureGrid"/>: every figure gets them without asking.
/// <list type="bullet">
/// <item>Width: the container's (no fixed width unless the figure sets one); height 460 px for one chart, about 260–380 px
/// a row for a grid. A plain white plot with light grid lines, the page's font, margins that grow to fit the labels.</item>
/// <item>The legend in one horizontal band below the plot, so it never takes width from it.</item>
/// <item>Titles, axis titles and names: <c>_x</c> and <c>^x</c> as sub- and superscripts (<see cref="RichText"/>).</item>
/// <item>An axis whose traces hold a few values (2 to 10: a sweep's grid) is labelled at those values only; a heatmap of a
/// coarse grid (at most 12 × 12) sits on categorical axes labelled with its grid values, with each cell's value written in
/// the cell; neither ever shows a tick its grid does not hold.</item>
/// <item>Heatmap colour scales: diverging about zero for values of both signs, Viridis otherwise, with a far-out cell of a
/// coarse grid clipped and marked (<see cref="ColourRange"/>). In a grid, one colour bar beside each heatmap panel, or one for
/// all when every panel shows the same quantity (then on one common scale).</item>
/// <item>Bundles (<see cref="BundleTrace"/>) thin and grey behind the rest, one legend entry; strong lines thick; marks
/// (<see cref="Mark"/>) drawn over the traces with their labels on the plot.</item>
/// </list>
/// </summary>
internal static class PlotlyStyle
{
    public const string FontFamily = "system-ui, -apple-system, \"Segoe UI\", Roboto, \"DejaVu Sans\", \"Helvetica Neue\", Arial, sans-serif";
    private const string Ink = "#1f2328", Muted = "#57606a", AxisLine = "#8c959f", GridLine = "#eaeef2";

    /// <summary>Height of one chart, in pixels, unless the figure sets one.</summary>
    public const int DefaultHeight = 460;

    /// <summary>A grid of at most this many values per axis is drawn as a coarse grid (categorical axes, values in the cells).</summary>
    public const int CoarseGridMax = 12;

    /// <summary>An axis whose traces hold at most this many distinct values is labelled at exactly those values.</summary>
    public const int GridTicksMax = 10;

    /// <summary>The width, in pixels, of a write-up's plotting paper that the grid's gaps are sized for (they scale with it).</summary>
    private const double NominalPaperWidth = 860;

    private const double ColourbarPx = 95;

    /// <summary>plotly's ten colours, given to a figure's series in order (bundles and heatmaps take none), so that a series
    /// keeps its colour whatever is drawn before it and the same series has the same colour in every panel of a grid.</summary>
    private static readonly string[] Palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    /// <summary>How many Plotly traces a figure trace becomes.</summary>
    public static int PlotlyTraceCount(Trace trace) => trace is BundleTrace b ? b.Ys.Length : 1;

    public static string Single(string plotlyJson, Figure figure)
    {
        var json = JsonNode.Parse(plotlyJson)!.AsObject();
        var layout = json["layout"]!.AsObject();
        var data = json["data"]!.AsArray();
        Base(layout, hasTitle: figure.Title.Length > 0);
        var heatmaps = figure.Traces.OfType<HeatmapTrace>().ToList();
        var range = heatmaps.Count > 0 ? ColourRange.Of(heatmaps.SelectMany(Values), clipOutliers: heatmaps.All(IsCoarse)) : null;
        StylePanel(layout, data, figure, 0, "x", "y", showYTitle: true, range);
        foreach (var heatmap in data.Where(t => (string?)t!["type"] == "heatmap"))
        {
            // Beside the plot (plotly's place), in the lower 80% of its height, with the title on top.
            var bar = heatmap!["colorbar"]!.AsObject();
            bar["len"] = 0.8;
            bar["y"] = 0.4;
            bar["yanchor"] = "middle";
        }
        if (figure.Title.Length > 0)
            layout["title"] = new JsonObject { ["text"] = RichText.ToPlotly(figure.Title), ["x"] = 0, ["xref"] = "paper", ["xanchor"] = "left", ["font"] = new JsonObject { ["size"] = 15 } };
        Size(layout, figure.Width, figure.Height ?? DefaultHeight);
        return json.ToJsonString();
    }

    public static string Grid(string plotlyJson, FigureGrid grid, int columns, int rows)
    {
        var json = JsonNode.Parse(plotlyJson)!.AsObject();
        var layout = json["layout"]!.AsObject();
        var data = json["data"]!.AsArray();
        Base(layout, hasTitle: false);
        layout.Remove("grid");
        layout.Remove("annotations");

        var figures = grid.Figures;
        bool sharedYTitle = columns > 1 && figures.Select(f => f.Y.Title).Distinct().Count() == 1;
        var heatmapPanels = figures.Where(f => f.Traces.Any(t => t is HeatmapTrace)).ToList();
        var colourbarTitles = heatmapPanels.SelectMany(f => f.Traces.OfType<HeatmapTrace>()).Select(t => t.ColorbarTitle).ToList();
        bool sharedScale = colourbarTitles.Count > 1 && colourbarTitles[0] is not null && colourbarTitles.All(t => t == colourbarTitles[0]);
        bool barPerPanel = heatmapPanels.Count > 0 && !sharedScale;
        // Heatmaps over one and the same row grid need its labels once per row of panels.
        bool sameRows = sharedYTitle && heatmapPanels.Count == figures.Count
                        && figures.Select(f => f.Traces.OfType<HeatmapTrace>().First().Y).Distinct(new SequenceComparer()).Count() == 1;
        ColourRange? common = sharedScale
            ? ColourRange.Of(heatmapPanels.SelectMany(f => f.Traces.OfType<HeatmapTrace>()).SelectMany(Values), heatmapPanels.All(f => f.Traces.OfType<HeatmapTrace>().All(IsCoarse)))
            : null;

        int rowPx = figures.Max(f => f.Height) ?? columns switch { 1 => 380, 2 => 340, 3 => 300, _ => 270 };
        int height = rowPx * rows + 40;
        double paperHeight = height - 40 - 70;
        // Room between panels for the next one's y tick labels (or, where they are hidden, for the x tick labels at the
        // panels' edges) and y title, and for a colour bar.
        double gapPx = (sameRows ? 30 : 58) + (sharedYTitle ? 0 : 24) + (barPerPanel ? ColourbarPx : 0);
        double rightPx = barPerPanel || sharedScale ? ColourbarPx : 0;
        double hGap = gapPx / NominalPaperWidth;
        double panelWidth = (1 - (columns - 1) * hGap - rightPx / NominalPaperWidth) / columns;
        double vGap = Math.Min(0.4, 84 / paperHeight);
        double panelHeight = (1 - (rows - 1) * vGap) / rows;

        var annotations = new JsonArray();
        int trace = 0;
        for (int i = 0; i < figures.Count; i++)
        {
            var figure = figures[i];
            string xId = (string?)data[trace]!["xaxis"] ?? "x", yId = (string?)data[trace]!["yaxis"] ?? "y";
            int row = i / columns, column = i % columns;
            double x0 = column * (panelWidth + hGap), y1 = 1 - row * (panelHeight + vGap);
            double[] xDomain = [Clamp(x0), Clamp(x0 + panelWidth)], yDomain = [Clamp(y1 - panelHeight), Clamp(y1)];
            var range = common ?? (figure.Traces.OfType<HeatmapTrace>().ToList() is { Count: > 0 } maps
                ? ColourRange.Of(maps.SelectMany(Values), maps.All(IsCoarse)) : null);
            StylePanel(layout, data, figure, trace, xId, yId, showYTitle: !sharedYTitle || column == 0, range);
            var xAxis = AxisObject(layout, xId);
            var yAxis = AxisObject(layout, yId);
            xAxis["domain"] = new JsonArray(xDomain[0], xDomain[1]);
            xAxis["anchor"] = yId;
            yAxis["domain"] = new JsonArray(yDomain[0], yDomain[1]);
            yAxis["anchor"] = xId;
            if (sameRows && column > 0) yAxis["showticklabels"] = false;
            if (figure.Title.Length > 0)
                annotations.Add(new JsonObject
                {
                    ["text"] = RichText.ToPlotly(figure.Title), ["xref"] = xId + " domain", ["yref"] = yId + " domain", ["x"] = 0.5, ["y"] = 1,
                    ["xanchor"] = "center", ["yanchor"] = "bottom", ["yshift"] = 6, ["showarrow"] = false, ["font"] = new JsonObject { ["size"] = 13 },
                });
            for (int t = 0, k = trace; t < figure.Traces.Count; k += PlotlyTraceCount(figure.Traces[t]), t++)
            {
                if (figure.Traces[t] is not HeatmapTrace) continue;
                var heatmap = data[k]!.AsObject();
                if (barPerPanel)
                    PlaceColourbar(heatmap, xDomain[1] + 10 / NominalPaperWidth, (yDomain[0] + yDomain[1]) / 2, yDomain[1] - yDomain[0]);
                else heatmap["showscale"] = false;
            }
            trace += figure.Traces.Sum(PlotlyTraceCount);
        }
        if (sharedScale)
        {
            // One bar for all, beside the last column, from the last heatmap.
            var last = data.Last(t => (string?)t!["type"] == "heatmap")!.AsObject();
            last["showscale"] = true;
            double right = (columns - 1) * (panelWidth + hGap) + panelWidth;
            PlaceColourbar(last, right + 10 / NominalPaperWidth, 0.5, Math.Min(1, rows * panelHeight + (rows - 1) * vGap));
        }
        // The panels' titles first (in panel order), then the marks' labels that StylePanel added.
        if (layout["annotations"] is JsonArray marks)
            foreach (var mark in marks.ToList()) { marks.Remove(mark); annotations.Add(mark); }
        layout["annotations"] = annotations;
        layout["margin"]!["t"] = 40;
        // A series drawn in several panels (same name, same style) gets one legend entry that toggles all its panels.
        var named = new Dictionary<string, string>();
        foreach (var node in data)
        {
            if (node is not JsonObject t || (string?)t["name"] is not { Length: > 0 } name || t["legendgroup"] is not null
                || t["showlegend"] is JsonValue shown && !(bool)shown) continue;
            string style = (t["line"]?.ToJsonString() ?? "") + (t["marker"]?.ToJsonString() ?? "") + (string?)t["type"];
            if (named.TryGetValue(name, out var first) && first == style) t["showlegend"] = false;
            else if (!named.ContainsKey(name)) named[name] = style;
            else continue;
            t["legendgroup"] = "series-" + name;
        }
        int? width = figures.Max(f => f.Width) is int w ? w * columns : null;
        Size(layout, width, height);
        return json.ToJsonString();
    }

    private static JsonObject Merge(JsonNode? existing, string key, JsonNode value)
    {
        var target = existing as JsonObject ?? new JsonObject();
        target[key] = value;
        return target;
    }

    private static double Clamp(double v) => Math.Clamp(Math.Round(v, 6), 0, 1);

    private static void PlaceColourbar(JsonObject heatmap, double x, double y, double length)
    {
        var bar = heatmap["colorbar"] as JsonObject ?? new JsonObject();
        bar["x"] = Clamp(x);
        bar["xanchor"] = "left";
        bar["xref"] = "paper";
        // The bar takes the lower 80% of its panel's height; its title sits above it, level with the panel's top.
        bar["y"] = Clamp(y - 0.1 * length);
        bar["yanchor"] = "middle";
        bar["len"] = Clamp(0.8 * length);
        bar["lenmode"] = "fraction";
        heatmap["colorbar"] = bar;
    }

    /// <summary>What every chart shares: no Plotly.NET template (its grey plot area), the page's font, white, margins that grow.</summary>
    private static void Base(JsonObject layout, bool hasTitle)
    {
        layout.Remove("template");
        layout["font"] = new JsonObject { ["family"] = FontFamily, ["size"] = 13, ["color"] = Ink };
        layout["paper_bgcolor"] = "white";
        layout["plot_bgcolor"] = "white";
        layout["margin"] = new JsonObject { ["l"] = 10, ["r"] = 16, ["t"] = hasTitle ? 56 : 24, ["b"] = 10, ["pad"] = 0 };
        layout["hovermode"] = "closest";
        layout["separators"] = ".\u2009"; // decimal point, thin space between thousands (where an axis groups them)
        layout["hoverlabel"] = new JsonObject { ["font"] = new JsonObject { ["family"] = FontFamily } };
        // One band below the plot (below the x-axis title), wrapping as needed: it never narrows the plot.
        layout["legend"] = new JsonObject
        {
            ["orientation"] = "h", ["x"] = 0, ["xanchor"] = "left", ["xref"] = "paper", ["y"] = 0, ["yanchor"] = "bottom", ["yref"] = "container",
            ["font"] = new JsonObject { ["size"] = 12 }, ["tracegroupgap"] = 0,
        };
    }

    private static void Size(JsonObject layout, int? width, int height)
    {
        layout.Remove("width");
        if (width is int w) layout["width"] = w;
        layout["autosize"] = width is null;
        layout["height"] = height;
    }

    private static JsonObject AxisObject(JsonObject layout, string id)
    {
        string key = (id[0] == 'x' ? "xaxis" : "yaxis") + id[1..];
        if (layout[key] is JsonObject axis) return axis;
        var created = new JsonObject();
        layout[key] = created;
        return created;
    }

    private static void StyleAxis(JsonObject axis, string? title)
    {
        if (title is null) axis.Remove("title");
        else axis["title"] = new JsonObject { ["text"] = RichText.ToPlotly(title), ["standoff"] = 8 };
        axis["automargin"] = true;
        axis["showline"] = true;
        axis["linecolor"] = AxisLine;
        axis["ticks"] = "outside";
        axis["tickcolor"] = AxisLine;
        axis["ticklen"] = 4;
        axis["gridcolor"] = GridLine;
        axis["zeroline"] = false;
    }

    /// <summary>
    /// Tick numbers as the tables write them, never with plotly's SI prefixes (100µ, 30k): powers of ten on a log axis
    /// (10⁻⁴), plain digits grouped by thin spaces on a linear axis up to 10⁹ (15 000, not 1.5×10⁴), powers beyond that
    /// and below 10⁻³.
    /// </summary>
    private static void NumberFormat(JsonObject axis, bool log, double magnitude)
    {
        bool plain = !log && magnitude is >= 1e-3 and < 1e9;
        axis["exponentformat"] = plain ? "none" : "power";
        axis["separatethousands"] = plain && magnitude >= 1e4;
    }

    /// <summary>The largest |value| on an axis of the figure (0 when there is none).</summary>
    private static double Magnitude(Figure figure, bool x)
    {
        var values = figure.Traces.SelectMany(t => (t, x) switch
        {
            (LineTrace l, true) => l.X,
            (LineTrace l, false) => l.Y.Concat(l.ErrorY is { } e ? l.Y.Zip(e, (v, d) => Math.Abs(v) + Math.Abs(d)) : []),
            (ScatterTrace s, true) => s.X,
            (ScatterTrace s, false) => s.Y,
            (BundleTrace b, true) => b.X,
            (BundleTrace b, false) => b.Ys.SelectMany(y => y),
            (BarTrace b, false) => b.Values,
            (HeatmapTrace h, true) => h.X,
            (HeatmapTrace h, false) => h.Y,
            _ => [],
        }).Where(double.IsFinite).Select(Math.Abs);
        var axis = x ? figure.X : figure.Y;
        return values.Concat(new[] { axis.Min, axis.Max }.OfType<double>().Select(Math.Abs)).DefaultIfEmpty(0).Max();
    }

    /// <summary>Axes, traces, heatmaps and marks of one figure, whose first Plotly trace is <paramref name="first"/>.</summary>
    private static void StylePanel(JsonObject layout, JsonArray data, Figure figure, int first, string xId, string yId, bool showYTitle, ColourRange? range)
    {
        var xAxis = AxisObject(layout, xId);
        var yAxis = AxisObject(layout, yId);
        StyleAxis(xAxis, figure.X.Title);
        StyleAxis(yAxis, showYTitle ? figure.Y.Title : null);
        NumberFormat(xAxis, figure.X.Log, Magnitude(figure, x: true));
        NumberFormat(yAxis, figure.Y.Log, Magnitude(figure, x: false));

        int k = first, series = 0;
        foreach (var trace in figure.Traces)
        {
            var node = data[k]!.AsObject();
            if (trace is LineTrace or BarTrace || trace is ScatterTrace { Color: null })
            {
                string colour = Palette[series++ % Palette.Length];
                if (trace is LineTrace) node["line"] = Merge(node["line"], "color", colour);
                node["marker"] = Merge(node["marker"], "color", colour);
            }
            switch (trace)
            {
                case BundleTrace bundle:
                    for (int c = 0; c < bundle.Ys.Length; c++)
                    {
                        var line = data[k + c]!.AsObject();
                        line["name"] = RichText.ToPlotly(bundle.Name);
                        line["legendgroup"] = $"bundle-{k}";
                        line["showlegend"] = c == 0;
                        line["line"] = new JsonObject { ["color"] = "rgba(110, 119, 129, 0.45)", ["width"] = 1 };
                        line["hovertemplate"] = $"#{c}: %{{y:.4g}}<extra>{RichText.ToPlotly(bundle.Name)}</extra>";
                    }
                    break;
                case HeatmapTrace heatmap:
                    node["name"] = RichText.ToPlotly(heatmap.Name);
                    StyleHeatmap(node, heatmap, figure, xAxis, yAxis, range);
                    break;
                case LineTrace line:
                    node["name"] = RichText.ToPlotly(line.Name);
                    if (line.Emphasis == Emphasis.Strong) node["line"] = Merge(node["line"], "width", 3);
                    break;
                default:
                    node["name"] = RichText.ToPlotly(trace.Name);
                    break;
            }
            k += PlotlyTraceCount(trace);
        }

        if (!figure.Traces.Any(t => t is HeatmapTrace or BarTrace))
        {
            if ((figure.X.Ticks ?? GridValues(figure)) is { } xTicks) SetTicks(xAxis, xTicks);
        }
        else if (figure.X.Ticks is { } xTicks && !figure.Traces.Any(t => t is BarTrace) && !OnCategories(figure)) SetTicks(xAxis, xTicks);
        if (figure.Y.Ticks is { } yTicks && !OnCategories(figure)) SetTicks(yAxis, yTicks);

        if (figure.Marks is { Count: > 0 } marks) DrawMarks(layout, marks, figure, xId, yId);
    }

    /// <summary>The distinct x values of the figure's lines and points when there are 2 to <see cref="GridTicksMax"/> of them (a sweep's grid).</summary>
    private static double[]? GridValues(Figure figure)
    {
        var xs = figure.Traces.SelectMany(t => t switch
        {
            LineTrace l => l.X,
            ScatterTrace s => s.X,
            BundleTrace b => b.X,
            _ => [],
        }).Where(double.IsFinite).Where(v => !figure.X.Log || v > 0).Distinct().OrderBy(v => v).ToArray();
        return xs.Length is >= 2 and <= GridTicksMax ? xs : null;
    }

    private static void SetTicks(JsonObject axis, double[] values)
    {
        axis["tickmode"] = "array";
        axis["tickvals"] = new JsonArray(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
        axis["ticktext"] = new JsonArray(Labels(values).Select(l => (JsonNode)JsonValue.Create(l)).ToArray());
    }

    /// <summary>Grid values as labels, with as many digits as keep them apart; when every value is a power of ten and
    /// one of them is written as one (10⁻⁴), all are (10⁻⁴, 10⁻³, 10⁻², 10⁻¹ rather than 10⁻⁴, 0.001, 0.01, 0.1).</summary>
    public static string[] Labels(double[] values)
    {
        var labels = values.Select(NumberText.GridValue).ToArray();
        var decades = values.Select(v => v > 0 ? Math.Log10(v) : double.NaN).ToArray();
        if (decades.All(d => Math.Abs(d - Math.Round(d)) < 1e-9) && labels.Any(l => l.StartsWith("10", StringComparison.Ordinal) && l.Length > 2 && l[2] is not (>= '0' and <= '9')))
            labels = decades.Select(d => "10" + NumberText.Superscript((int)Math.Round(d))).ToArray();
        if (labels.Distinct().Count() < values.Distinct().Count())
            labels = values.Select(v => NumberText.Significant(v, 12, trimZeros: true)).ToArray();
        return labels;
    }

    public static bool IsCoarse(HeatmapTrace heatmap) => heatmap.X.Length <= CoarseGridMax && heatmap.Y.Length <= CoarseGridMax;

    /// <summary>A figure of coarse heatmaps only: its axes become the grid's categories (with lines or bars on them too,
    /// the axes stay numeric).</summary>
    private static bool OnCategories(Figure figure) => figure.Traces.All(t => t is HeatmapTrace h && IsCoarse(h));

    private static IEnumerable<double> Values(HeatmapTrace heatmap) => heatmap.Z.SelectMany(row => row);

    private static void StyleHeatmap(JsonObject node, HeatmapTrace heatmap, Figure figure, JsonObject xAxis, JsonObject yAxis, ColourRange? range)
    {
        bool coarse = OnCategories(figure);
        node["z"] = new JsonArray(heatmap.Z.Select(row => (JsonNode)new JsonArray(row.Select(v => double.IsFinite(v) ? JsonValue.Create(v) : null).ToArray())).ToArray());
        xAxis["showgrid"] = false;
        yAxis["showgrid"] = false;
        xAxis["ticks"] = "";
        yAxis["ticks"] = "";
        string quantity = RichText.ToPlotly(heatmap.ColorbarTitle ?? heatmap.Name);
        if (coarse)
        {
            // A grid of settings: its columns and rows are categories labelled with their values, each cell says its value.
            var xLabels = Labels(heatmap.X);
            var yLabels = Labels(heatmap.Y);
            node["x"] = new JsonArray(xLabels.Select(l => (JsonNode)JsonValue.Create(l)).ToArray());
            node["y"] = new JsonArray(yLabels.Select(l => (JsonNode)JsonValue.Create(l)).ToArray());
            foreach (var (axis, labels) in new[] { (xAxis, xLabels), (yAxis, yLabels) })
            {
                axis["type"] = "category";
                axis["categoryorder"] = "array";
                axis["categoryarray"] = new JsonArray(labels.Select(l => (JsonNode)JsonValue.Create(l)).ToArray());
                axis["showline"] = false;
            }
            var text = new JsonArray();
            for (int i = 0; i < heatmap.Z.Length; i++)
            {
                var row = new JsonArray();
                for (int j = 0; j < heatmap.Z[i].Length; j++)
                {
                    double v = heatmap.Z[i][j];
                    string? note = heatmap.Notes is { } notes && i < notes.Length && j < notes[i].Length ? notes[i][j] : null;
                    string value = double.IsFinite(v) ? (range?.Marker(v) ?? "") + NumberText.Significant(v, 3) : "";
                    string cell = string.Join("<br>", new[] { value, note is { Length: > 0 } ? RichText.ToPlotly(note) : "" }.Where(s => s.Length > 0));
                    row.Add(cell);
                }
                text.Add(row);
            }
            node["text"] = text;
            node["texttemplate"] = "%{text}";
            node["textfont"] = new JsonObject { ["size"] = 12 };
            node["xgap"] = 2;
            node["ygap"] = 2;
            node["hovertemplate"] = $"{RichText.ToPlotly(figure.X.Title)} = %{{x}}<br>{RichText.ToPlotly(figure.Y.Title)} = %{{y}}<br>{quantity}: %{{text}}<extra></extra>";
        }
        else
            node["hovertemplate"] = $"{RichText.ToPlotly(figure.X.Title)} = %{{x:.4g}}<br>{RichText.ToPlotly(figure.Y.Title)} = %{{y:.4g}}<br>{quantity}: %{{z:.3g}}<extra></extra>";

        if (range is not null)
        {
            node["zauto"] = false;
            node["zmin"] = range.Min;
            node["zmax"] = range.Max;
            node["colorscale"] = range.Diverging
                ? new JsonArray(ColourRange.DivergingScale.Select(s => (JsonNode)new JsonArray(JsonValue.Create((double)s[0]), JsonValue.Create((string)s[1]))).ToArray())
                : ColourRange.Sequential;
        }
        string barTitle = heatmap.ColorbarTitle is null ? "" : RichText.ToPlotly(heatmap.ColorbarTitle);
        if (range is { Clipped: true }) barTitle += "<br><span style=\"font-size:10px\">▲▼ off scale</span>";
        node["colorbar"] = new JsonObject
        {
            ["thickness"] = 12, ["outlinewidth"] = 0, ["ticks"] = "outside", ["ticklen"] = 3, ["tickfont"] = new JsonObject { ["size"] = 11 },
            ["exponentformat"] = "power", ["title"] = new JsonObject { ["text"] = barTitle, ["side"] = "top" },
        };
    }

    private static void DrawMarks(JsonObject layout, IReadOnlyList<Mark> marks, Figure figure, string xId, string yId)
    {
        var shapes = layout["shapes"] as JsonArray ?? new JsonArray();
        var annotations = layout["annotations"] as JsonArray ?? new JsonArray();
        // Shapes take data values on every axis type; annotations take log₁₀ of them on a log axis.
        double X(double v) => figure.X.Log ? Math.Log10(v) : v;
        double Y(double v) => figure.Y.Log ? Math.Log10(v) : v;
        JsonObject Label(string text) => new()
        {
            ["text"] = RichText.ToPlotly(text), ["showarrow"] = false, ["font"] = new JsonObject { ["size"] = 12, ["color"] = Ink },
            ["bgcolor"] = "rgba(255, 255, 255, 0.8)", ["borderpad"] = 2,
        };
        foreach (var mark in marks)
        {
            switch (mark)
            {
                case HorizontalLine h:
                    shapes.Add(new JsonObject
                    {
                        ["type"] = "line", ["xref"] = xId + " domain", ["x0"] = 0, ["x1"] = 1, ["yref"] = yId, ["y0"] = h.Y, ["y1"] = h.Y,
                        ["line"] = new JsonObject { ["color"] = Ink, ["width"] = 1.5, ["dash"] = "dash" }, ["layer"] = "above",
                    });
                    var hl = Label(h.Label);
                    hl["xref"] = xId + " domain"; hl["x"] = 1; hl["xanchor"] = "right";
                    hl["yref"] = yId; hl["y"] = Y(h.Y); hl["yanchor"] = "bottom"; hl["yshift"] = 2;
                    annotations.Add(hl);
                    break;
                case VerticalLine v:
                    shapes.Add(new JsonObject
                    {
                        ["type"] = "line", ["xref"] = xId, ["x0"] = v.X, ["x1"] = v.X, ["yref"] = yId + " domain", ["y0"] = 0, ["y1"] = 1,
                        ["line"] = new JsonObject { ["color"] = Ink, ["width"] = 1.5, ["dash"] = "dash" }, ["layer"] = "above",
                    });
                    var vl = Label(v.Label);
                    vl["xref"] = xId; vl["x"] = X(v.X); vl["xanchor"] = "left"; vl["xshift"] = 4;
                    vl["yref"] = yId + " domain"; vl["y"] = 1; vl["yanchor"] = "top";
                    annotations.Add(vl);
                    break;
                case XSpan s:
                    shapes.Add(new JsonObject
                    {
                        ["type"] = "rect", ["xref"] = xId, ["x0"] = s.From, ["x1"] = s.To, ["yref"] = yId + " domain", ["y0"] = 0, ["y1"] = 1,
                        ["fillcolor"] = "rgba(140, 149, 159, 0.16)", ["line"] = new JsonObject { ["width"] = 0 }, ["layer"] = "below",
                    });
                    var sl = Label(s.Label);
                    sl["font"]!["color"] = Muted;
                    sl["bgcolor"] = "rgba(0, 0, 0, 0)";
                    sl["xref"] = xId; sl["x"] = X(s.From); sl["xanchor"] = "left"; sl["xshift"] = 2;
                    sl["yref"] = yId + " domain"; sl["y"] = 1; sl["yanchor"] = "top";
                    annotations.Add(sl);
                    break;
            }
        }
        layout["shapes"] = shapes;
        layout["annotations"] = annotations;
    }

    private sealed class SequenceComparer : IEqualityComparer<double[]>
    {
        public bool Equals(double[]? a, double[]? b) => a is not null && b is not null && a.SequenceEqual(b);
        public int GetHashCode(double[] a) => a.Length == 0 ? 0 : HashCode.Combine(a.Length, a[0], a[^1]);
    }
}
