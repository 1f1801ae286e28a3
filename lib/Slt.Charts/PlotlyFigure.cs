using Microsoft.FSharp.Core;
using Plotly.NET;
using Plotly.NET.LayoutObjects;
using Plotly.NET.TraceObjects;
using Slt.Presentation;
using Figure = Slt.Presentation.Figure;
using Trace = Slt.Presentation.Trace;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace Slt.Charts;

/// <summary>
/// The boundary of the chart layer: figure JSON in (<see cref="Figure.ToJson"/>), Plotly JSON out
/// (<c>{"data": [...], "layout": {...}}</c>, what <c>Plotly.newPlot</c> takes). Called by reflection from another
/// load context, so every entry point takes and returns strings only.
/// </summary>
public static class PlotlyFigure
{
    /// <summary>Plotly's figure JSON for one figure, in the workbook's chart conventions (<see cref="PlotlyStyle"/>).</summary>
    public static string FigureToPlotlyJson(string figureJson)
    {
        var figure = Figure.FromJson(figureJson);
        return PlotlyStyle.Single(GenericChart.toFigureJson(Draw(figure)), figure);
    }

    /// <summary>Plotly's figure JSON for a grid of figures (one subplot per figure, titles above each).</summary>
    public static string GridToPlotlyJson(string gridJson)
    {
        var grid = FigureGrid.FromJson(gridJson);
        if (grid.Figures.Count == 0) throw new ArgumentException("A figure grid needs at least one figure.", nameof(gridJson));
        if (grid.Columns < 1) throw new ArgumentException($"A figure grid needs at least one column, not {grid.Columns}.", nameof(gridJson));
        int columns = Math.Min(grid.Columns, grid.Figures.Count);
        int rows = (grid.Figures.Count + columns - 1) / columns;
        var charts = grid.Figures.Select(f => Draw(f with { Title = "" }, withTitle: false)).ToArray();
        var combined = CSharpChart.Grid(charts, rows, columns);
        return PlotlyStyle.Grid(GenericChart.toFigureJson(combined), grid, columns, rows);
    }

    /// <summary>The plotly.js source that Plotly.NET ships (embedded in its assembly; no network).</summary>
    public static string PlotlyJsSource() => ReadPlotlyResource(".min.js");

    /// <summary>The licence notice of that plotly.js build.</summary>
    public static string PlotlyJsLicense() => ReadPlotlyResource(".min.js.LICENSE.txt");

    /// <summary>The version of plotly.js that Plotly.NET ships, e.g. <c>2.28.0</c>.</summary>
    public static string PlotlyJsVersion()
    {
        string name = PlotlyResourceName(".min.js");
        return name["Plotly.NET.plotly-".Length..^".min.js".Length];
    }

    private static string PlotlyResourceName(string suffix)
    {
        var assembly = typeof(GenericChart).Assembly;
        return assembly.GetManifestResourceNames().SingleOrDefault(n => n.StartsWith("Plotly.NET.plotly-", StringComparison.Ordinal) && n.EndsWith(suffix, StringComparison.Ordinal)
                                                                       && (suffix.Length > ".min.js".Length || !n.EndsWith(".LICENSE.txt", StringComparison.Ordinal)))
               ?? throw new InvalidOperationException($"Plotly.NET {assembly.GetName().Version} does not embed plotly.js (resource *{suffix} not found).");
    }

    private static string ReadPlotlyResource(string suffix)
    {
        var assembly = typeof(GenericChart).Assembly;
        using var stream = assembly.GetManifestResourceStream(PlotlyResourceName(suffix))!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static GenericChart Draw(Figure figure, bool withTitle = true)
    {
        if (figure.Traces.Count == 0) throw new ArgumentException($"Figure '{figure.Title}' has no traces.", nameof(figure));
        foreach (var bundle in figure.Traces.OfType<BundleTrace>())
            if (bundle.Ys.Length == 0 || bundle.Ys.Any(y => y.Length != bundle.X.Length))
                throw new ArgumentException($"Figure '{figure.Title}': bundle '{bundle.Name}' needs at least one series, each with one value per x ({bundle.X.Length}).", nameof(figure));
        var chart = figure.Traces.Count == 1 && figure.Traces[0] is not BundleTrace ? DrawTrace(figure.Traces[0]) : CSharpChart.Combine(figure.Traces.Select(DrawTrace));
        chart = Plotly.NET.CSharp.GenericChartExtensions.WithXAxisStyle<double, double, string>(chart,
            TitleText: figure.X.Title, AxisType: HorizontalAxisType(figure));
        chart = Plotly.NET.CSharp.GenericChartExtensions.WithYAxisStyle<double, double, string>(chart,
            TitleText: figure.Y.Title, AxisType: AxisType(figure.Y));
        chart = WithRange(chart, figure.X, x: true);
        chart = WithRange(chart, figure.Y, x: false);
        if (withTitle && figure.Title.Length > 0) chart = Chart.withTitle(figure.Title, null).Invoke(chart);
        return chart;
    }

    /// <summary>Bars sit at categories, so their axis is categorical; a forced linear axis would draw nothing.</summary>
    private static StyleParam.AxisType HorizontalAxisType(Figure figure) =>
        figure.Traces.Any(t => t is BarTrace) && !figure.X.Log ? StyleParam.AxisType.Category : AxisType(figure.X);

    private static StyleParam.AxisType AxisType(Axis axis) => axis.Log ? StyleParam.AxisType.Log : StyleParam.AxisType.Linear;

    /// <summary>Fixes an axis range; Plotly takes log axes' ranges in decades.</summary>
    private static GenericChart WithRange(GenericChart chart, Axis axis, bool x)
    {
        if (axis.Min is null && axis.Max is null) return chart;
        double Scale(double v) => axis.Log ? Math.Log10(v) : v;
        var range = new[] { (object?)(axis.Min is double lo ? Scale(lo) : null), axis.Max is double hi ? Scale(hi) : null };
        var layout = GenericChart.getLayout(chart);
        string key = x ? "xaxis" : "yaxis";
        var existing = layout.TryGetTypedPropertyValue<LinearAxis>(key);
        var linear = existing is not null && FSharpOption<LinearAxis>.get_IsSome(existing) ? existing.Value : new LinearAxis();
        linear.SetProperty("range", range);
        if (axis.Min is null || axis.Max is null) linear.SetProperty("autorange", axis.Min is null ? "min" : "max");
        layout.SetProperty(key, linear);
        return GenericChart.setLayout(layout, chart);
    }

    private static GenericChart DrawTrace(Trace trace) => trace switch
    {
        LineTrace t => WithErrors(CSharpChart.Line<double, double, string>(t.X, t.Y, ShowMarkers: t.Markers, Name: t.Name,
            LineDash: t.Dashed ? StyleParam.DrawingStyle.Dash : StyleParam.DrawingStyle.Solid), t.ErrorY),
        ScatterTrace t => WithErrors(t.Color is null
            ? CSharpChart.Point<double, double, string>(t.X, t.Y, Name: t.Name)
            : CSharpChart.Point<double, double, string>(t.X, t.Y, Name: t.Name,
                Marker: ColourScaledMarker(t.Color)), t.ErrorY),
        BundleTrace t => CSharpChart.Combine(t.Ys.Select(y => CSharpChart.Line<double, double, string>(t.X, y, Name: t.Name))),
        BarTrace t => WithErrors(CSharpChart.Column<double, string, string>(t.Values, Keys: t.Categories, Name: t.Name), t.ErrorY),
        HeatmapTrace t => t.ColorbarTitle is null
            ? CSharpChart.Heatmap<double, double, double, string>(t.Z.Select(row => (IEnumerable<double>)row), X: t.X, Y: t.Y, Name: t.Name)
            : CSharpChart.Heatmap<double, double, double, string>(t.Z.Select(row => (IEnumerable<double>)row), X: t.X, Y: t.Y, Name: t.Name,
                ColorBar: Dynamic(new ColorBar(), ("title", Dynamic(new Title(), ("text", t.ColorbarTitle))))),
        _ => throw new NotSupportedException($"No drawing for trace kind {trace.GetType().Name}."),
    };

    private static GenericChart WithErrors(GenericChart chart, double[]? errors) =>
        errors is null ? chart : Chart.withYError(Dynamic(new Error(), ("visible", true), ("type", "data"), ("array", errors))).Invoke(chart);

    /// <summary>Points coloured by a value on the Viridis scale, with a colour bar.</summary>
    private static Marker ColourScaledMarker(double[] values) =>
        Dynamic(new Marker(), ("color", values), ("colorscale", "Viridis"), ("showscale", true));

    /// <summary>
    /// Sets Plotly attributes by name. Plotly.NET's typed <c>init</c> methods take every optional argument
    /// positionally from C#; its objects are dynamic, so naming the attribute is the plain way.
    /// </summary>
    private static T Dynamic<T>(T target, params (string Name, object Value)[] properties) where T : DynamicObj.DynamicObj
    {
        foreach (var (name, value) in properties) target.SetProperty(name, value);
        return target;
    }
}
