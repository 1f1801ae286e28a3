using System.Runtime.Loader;
using System.Text.Json;
using Slt.Presentation;
using Slt.Workbook;

namespace Slt.Tests.Presentation;

/// <summary>The chart layer in a plain process (this test host): Figure → Plotly.NET → Plotly JSON and HTML.</summary>
public sealed class ChartTests
{
    private static readonly Figure Sample = new("sample",
    [
        new LineTrace("line", [1, 2, 3], [1, 4, 9], ErrorY: [0.1, 0.2, 0.3], Markers: true, Dashed: true),
        new ScatterTrace("points", [1, 2], [5, 6], Color: [0.0, 1.0]),
        new BarTrace("bars", ["a", "b"], [2, 3]),
        new HeatmapTrace("map", [0, 1], [0, 1, 2], [[1, 2], [3, 4], [5, 6]], ColorbarTitle: "density"),
    ], new Axis("n", Log: true, Min: 10, Max: 1000), new Axis("loss", Min: 0), Width: 640, Height: 400);

    [Fact]
    public void FigureBecomesPlotlyJsonWithEveryTraceAndAxis()
    {
        using var json = JsonDocument.Parse(Sample.ToPlotlyJson());
        var data = json.RootElement.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(["scatter", "scatter", "bar", "heatmap"], data.Select(t => t.GetProperty("type").GetString()));
        Assert.Equal(["line", "points", "bars", "map"], data.Select(t => t.GetProperty("name").GetString()));
        Assert.Equal([1.0, 4, 9], data[0].GetProperty("y").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal([0.1, 0.2, 0.3], data[0].GetProperty("error_y").GetProperty("array").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal("lines+markers", data[0].GetProperty("mode").GetString());
        Assert.Equal("dash", data[0].GetProperty("line").GetProperty("dash").GetString());
        Assert.Equal([0.0, 1.0], data[1].GetProperty("marker").GetProperty("color").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal(["a", "b"], data[2].GetProperty("x").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(3, data[3].GetProperty("z").GetArrayLength());
        Assert.Equal("density", data[3].GetProperty("colorbar").GetProperty("title").GetProperty("text").GetString());

        var layout = json.RootElement.GetProperty("layout");
        Assert.Equal("sample", layout.GetProperty("title").GetProperty("text").GetString());
        var x = layout.GetProperty("xaxis");
        Assert.Equal("log", x.GetProperty("type").GetString());
        Assert.Equal("n", x.GetProperty("title").GetProperty("text").GetString());
        Assert.Equal([1.0, 3.0], x.GetProperty("range").EnumerateArray().Select(v => v.GetDouble())); // decades: 10 → 1, 1000 → 3
        Assert.Equal(640, layout.GetProperty("width").GetInt32());
        Assert.Equal(400, layout.GetProperty("height").GetInt32());
    }

    [Fact]
    public void BarsGetACategoricalAxisSoTheyAreDrawn()
    {
        var bars = new Figure("next token", [new BarTrace("q", ["red", "blue"], [0.7, 0.3]), new BarTrace("p", ["red", "blue"], [0.6, 0.4])],
            new Axis("token"), new Axis("probability"));
        using var json = JsonDocument.Parse(bars.ToPlotlyJson());
        Assert.Equal("category", json.RootElement.GetProperty("layout").GetProperty("xaxis").GetProperty("type").GetString());
        var lines = new Figure("curve", [new LineTrace("a", [0, 1], [0, 1])], new Axis("x"), new Axis("y"));
        using var lineJson = JsonDocument.Parse(lines.ToPlotlyJson());
        Assert.Equal("linear", lineJson.RootElement.GetProperty("layout").GetProperty("xaxis").GetProperty("type").GetString());
    }

    [Fact]
    public void GridOfHeatmapsOfOneQuantityShowsOneColourBar()
    {
        Figure Map(string title) => new(title, [new HeatmapTrace("p", [0, 1], [0, 1], [[0, 1], [1, 0]], ColorbarTitle: "density / max")],
            new Axis("w1"), new Axis("w2"));
        using var json = JsonDocument.Parse(Figure.Grid(3, Map("n = 1"), Map("n = 10"), Map("n = 100")).ToPlotlyJson());
        var shown = json.RootElement.GetProperty("data").EnumerateArray()
            .Select(t => !t.TryGetProperty("showscale", out var s) || s.GetBoolean()).ToList();
        Assert.Equal([false, false, true], shown);
    }

    [Fact]
    public void GridShowsASharedYAxisTitleInTheLeftColumnOnly()
    {
        Figure Map(string title, string y = "w2") => new(title, [new HeatmapTrace("p", [0, 1], [0, 1], [[0, 1], [1, 0]], ColorbarTitle: "density")],
            new Axis("w1"), new Axis(y));
        string? YTitle(JsonElement layout, string key) =>
            layout.TryGetProperty(key, out var axis) && axis.TryGetProperty("title", out var title) ? title.GetProperty("text").GetString() : null;

        using var json = JsonDocument.Parse(Figure.Grid(2, Map("a"), Map("b"), Map("c"), Map("d")).ToPlotlyJson());
        var layout = json.RootElement.GetProperty("layout");
        Assert.Equal(["w2", null, "w2", null], new[] { "yaxis", "yaxis2", "yaxis3", "yaxis4" }.Select(k => YTitle(layout, k)));
        Assert.Equal(["w1", "w1", "w1", "w1"], new[] { "xaxis", "xaxis2", "xaxis3", "xaxis4" }
            .Select(k => layout.GetProperty(k).GetProperty("title").GetProperty("text").GetString()));

        // Different y titles stay on every panel.
        using var mixed = JsonDocument.Parse(Figure.Grid(2, Map("a"), Map("b", "loss")).ToPlotlyJson());
        Assert.Equal(["w2", "loss"], new[] { "yaxis", "yaxis2" }.Select(k => YTitle(mixed.RootElement.GetProperty("layout"), k)));
    }

    [Fact]
    public void GridBecomesSubplotsWithTitles()
    {
        var a = new Figure("left", [new LineTrace("a", [0, 1], [0, 1])], new Axis("x"), new Axis("y"));
        var b = a with { Title = "right" };
        using var json = JsonDocument.Parse(Figure.Grid(2, a, b).ToPlotlyJson());
        var layout = json.RootElement.GetProperty("layout");
        Assert.Equal(1, layout.GetProperty("grid").GetProperty("rows").GetInt32());
        Assert.Equal(2, layout.GetProperty("grid").GetProperty("columns").GetInt32());
        Assert.Equal(["x", "x2"], json.RootElement.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("xaxis").GetString()));
        var titles = layout.GetProperty("annotations").EnumerateArray().Select(t => t.GetProperty("text").GetString()).ToList();
        Assert.Equal(["left", "right"], titles);
    }

    [Fact]
    public void FigureWithoutTracesIsRejectedWithItsTitle()
    {
        var empty = new Figure("nothing here", [], new Axis("x"), new Axis("y"));
        var e = Assert.Throws<ArgumentException>(() => empty.ToPlotlyJson());
        Assert.Contains("nothing here", e.Message);
    }

    [Fact]
    public void PlotlyNetRunsInItsOwnLoadContextWithFSharpCore10_1()
    {
        _ = Sample.ToPlotlyJson();
        var charts = AssemblyLoadContext.All.Single(c => c.Name == "Slt.Charts");
        var fsharp = charts.Assemblies.Single(a => a.GetName().Name == "FSharp.Core");
        Assert.Equal(new Version(10, 1, 0, 0), fsharp.GetName().Version);
        Assert.Contains(charts.Assemblies, a => a.GetName().Name == "Plotly.NET");
        Assert.DoesNotContain(AssemblyLoadContext.Default.Assemblies, a => a.GetName().Name == "Plotly.NET");
    }

    [Fact]
    public void FragmentsCarryPlotlyJsOnlyWhenAsked()
    {
        Assert.StartsWith("2.", PlotlyScript.Version);
        Assert.True(PlotlyScript.Source.Length > 1_000_000);
        Assert.DoesNotContain("</script", PlotlyScript.Source, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(PlotlyScript.MarkerAttribute, Sample.ToHtml(PlotlyInclusion.Always));
        string never = Sample.ToHtml(PlotlyInclusion.Never);
        Assert.DoesNotContain(PlotlyScript.MarkerAttribute, never);
        Assert.Contains("Plotly.newPlot(", never);
        Assert.DoesNotContain("http", never.Replace("http://www.w3.org", ""), StringComparison.Ordinal);
    }

    [Fact]
    public void TitlesCannotCloseTheScriptElement()
    {
        var figure = new Figure("</script><b>x</b>", [new LineTrace("a", [0], [0])], new Axis("x"), new Axis("y"));
        string html = figure.ToHtml(PlotlyInclusion.Never);
        int scriptStart = html.IndexOf("<script", StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(html[scriptStart..], "</script>"));
    }
}
