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
        // One bar, one scale: every panel's colours span the same range.
        Assert.Single(json.RootElement.GetProperty("data").EnumerateArray().Select(t => (t.GetProperty("zmin").GetDouble(), t.GetProperty("zmax").GetDouble())).Distinct());
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
        Assert.Equal(["x", "x2"], json.RootElement.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("xaxis").GetString()));
        // Side by side, in one row: the second panel starts right of the first, both span the same height.
        double[] Domain(string axis) => layout.GetProperty(axis).GetProperty("domain").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.True(Domain("xaxis")[1] < Domain("xaxis2")[0], "the panels overlap");
        Assert.Equal(Domain("yaxis"), Domain("yaxis2"));
        Assert.Equal("y2", layout.GetProperty("xaxis2").GetProperty("anchor").GetString());
        var titles = layout.GetProperty("annotations").EnumerateArray().Select(t => t.GetProperty("text").GetString()).ToList();
        Assert.Equal(["left", "right"], titles);
    }

    [Fact]
    public void ChartsFillTheirContainerWithTheLegendBelowThePlot()
    {
        var figure = new Figure("K^l by length", [new LineTrace("step 1", [1, 2, 3], [3, 2, 1]), new LineTrace("step 2", [1, 2, 3], [2, 1, 0.5])],
            new Axis("input length l"), new Axis("K^l (nats)"));
        using var json = JsonDocument.Parse(figure.ToPlotlyJson());
        var layout = json.RootElement.GetProperty("layout");
        Assert.False(layout.TryGetProperty("width", out _), "a figure without a width must take its container's");
        Assert.True(layout.GetProperty("autosize").GetBoolean());
        Assert.Equal(460, layout.GetProperty("height").GetInt32());
        Assert.False(layout.TryGetProperty("template", out _), "Plotly.NET's template (grey plot area) is replaced");
        var legend = layout.GetProperty("legend");
        Assert.Equal("h", legend.GetProperty("orientation").GetString());
        Assert.Equal("container", legend.GetProperty("yref").GetString());
        Assert.Equal(0, legend.GetProperty("y").GetDouble());
        // Two series, two colours, in order.
        var colours = json.RootElement.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("line").GetProperty("color").GetString()).ToList();
        Assert.Equal(2, colours.Distinct().Count());
    }

    [Fact]
    public void TitlesNamesAndAxesDrawSubscriptsAndSuperscriptsAndEscapeMarkup()
    {
        var figure = new Figure("L_n(w) and K^{l+1} <b>", [new LineTrace("E_t[tK] (exact)", [1, 2], [1, 2])], new Axis("t_1..t_l"), new Axis("nβ (L_n(w) − L_n(w*))"));
        using var json = JsonDocument.Parse(figure.ToPlotlyJson());
        var layout = json.RootElement.GetProperty("layout");
        Assert.Equal("L<sub>n</sub>(w) and K<sup>l+1</sup> &lt;b&gt;", layout.GetProperty("title").GetProperty("text").GetString());
        Assert.Equal("t<sub>1</sub>..t<sub>l</sub>", layout.GetProperty("xaxis").GetProperty("title").GetProperty("text").GetString());
        Assert.Equal("nβ (L<sub>n</sub>(w) − L<sub>n</sub>(w*))", layout.GetProperty("yaxis").GetProperty("title").GetProperty("text").GetString());
        Assert.Equal("E<sub>t</sub>[tK] (exact)", json.RootElement.GetProperty("data")[0].GetProperty("name").GetString());
    }

    [Fact]
    public void AnAxisOverASweepsGridIsLabelledAtTheGridOnly()
    {
        var sweep = new Figure("λ̂ against γ", [new LineTrace("nβ = 40", [1000, 2000, 4000], [30, 25, 21], Markers: true)], new Axis("γ", Log: true), new Axis("λ̂"));
        using var json = JsonDocument.Parse(sweep.ToPlotlyJson());
        var x = json.RootElement.GetProperty("layout").GetProperty("xaxis");
        Assert.Equal([1000.0, 2000, 4000], x.GetProperty("tickvals").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal(["1000", "2000", "4000"], x.GetProperty("ticktext").EnumerateArray().Select(v => v.GetString()));

        var steps = new Figure("ε", [new LineTrace("a", [1e-4, 1e-3, 1e-2, 1e-1], [1, 2, 3, 4])], new Axis("ε", Log: true), new Axis("y"));
        using var stepJson = JsonDocument.Parse(steps.ToPlotlyJson());
        Assert.Equal(["10⁻⁴", "10⁻³", "10⁻²", "10⁻¹"], stepJson.RootElement.GetProperty("layout").GetProperty("xaxis").GetProperty("ticktext").EnumerateArray().Select(v => v.GetString()));

        // A continuous axis (31 lengths) is left to plotly.
        var lengths = Enumerable.Range(1, 31).Select(l => (double)l).ToArray();
        using var dense = JsonDocument.Parse(new Figure("K^l", [new LineTrace("a", lengths, lengths)], new Axis("l"), new Axis("K")).ToPlotlyJson());
        Assert.False(dense.RootElement.GetProperty("layout").GetProperty("xaxis").TryGetProperty("tickvals", out _));
    }

    /// <summary>The calibration sweep's case: ε ∈ 10⁻⁴..10⁻¹ by nβ ∈ {100, 1000}, one absurd cell (40 among values near 0.6)
    /// and one divergent (NaN) cell.</summary>
    private static Figure Sweep(double absurd = 40) => new("λ̂ (γ = 0)",
        [new HeatmapTrace("λ̂", [1e-4, 1e-3, 1e-2, 1e-1], [100, 1000], [[0.60, 0.61, 0.70, absurd], [0.62, 0.63, 0.72, double.NaN]], "λ̂",
            [[null, "★ use", null, null], [null, null, null, "divergent"]])],
        new Axis("step size ε", Log: true), new Axis("nβ", Log: true));

    [Fact]
    public void ACoarseHeatmapSitsOnItsGridWithItsValuesInTheCellsAndAFarOutCellClipped()
    {
        using var json = JsonDocument.Parse(Sweep().ToPlotlyJson());
        var layout = json.RootElement.GetProperty("layout");
        var heatmap = json.RootElement.GetProperty("data")[0];
        foreach (var (axis, labels) in new[] { ("xaxis", new[] { "10⁻⁴", "10⁻³", "10⁻²", "10⁻¹" }), ("yaxis", new[] { "100", "1000" }) })
        {
            Assert.Equal("category", layout.GetProperty(axis).GetProperty("type").GetString());
            Assert.Equal(labels, layout.GetProperty(axis).GetProperty("categoryarray").EnumerateArray().Select(v => v.GetString()));
            Assert.Equal(labels, heatmap.GetProperty(axis[0].ToString()).EnumerateArray().Select(v => v.GetString()));
        }
        // The colour scale spans the other cells (0.60 to 0.72), not the absurd one, which is marked.
        Assert.Equal(0.60, heatmap.GetProperty("zmin").GetDouble(), 12);
        Assert.Equal(0.72, heatmap.GetProperty("zmax").GetDouble(), 12);
        var text = heatmap.GetProperty("text").EnumerateArray().Select(r => r.EnumerateArray().Select(c => c.GetString()).ToArray()).ToArray();
        Assert.Equal("▲ 40.0", text[0][3]);
        Assert.Equal("0.610<br>★ use", text[0][1]);
        Assert.Equal("divergent", text[1][3]);
        Assert.Equal(JsonValueKind.Null, heatmap.GetProperty("z")[1][3].ValueKind);
        Assert.Contains("off scale", heatmap.GetProperty("colorbar").GetProperty("title").GetProperty("text").GetString());

        // Without the absurd cell nothing is clipped: the scale is the data's.
        using var plain = JsonDocument.Parse(Sweep(absurd: 0.71).ToPlotlyJson());
        var plainHeatmap = plain.RootElement.GetProperty("data")[0];
        Assert.Equal(0.72, plainHeatmap.GetProperty("zmax").GetDouble(), 12);
        Assert.DoesNotContain("▲", plainHeatmap.GetProperty("text").ToString());
    }

    [Fact]
    public void ValuesOfBothSignsGetADivergingScaleCentredOnZero()
    {
        var bias = new Figure("bias", [new HeatmapTrace("bias", [1, 2, 3], [1, 2], [[0.01, -0.02, 0.1], [0.02, -0.3, 0.05]], "bias / λ̂₀")], new Axis("ε"), new Axis("nβ"));
        using var json = JsonDocument.Parse(bias.ToPlotlyJson());
        var heatmap = json.RootElement.GetProperty("data")[0];
        Assert.Equal(-heatmap.GetProperty("zmax").GetDouble(), heatmap.GetProperty("zmin").GetDouble());
        Assert.Equal(JsonValueKind.Array, heatmap.GetProperty("colorscale").ValueKind);
        Assert.Equal("#f7f7f7", heatmap.GetProperty("colorscale")[2][1].GetString());
    }

    [Fact]
    public void AGridOfTwoQuantitiesHasAColourBarBesideEachPanel()
    {
        var bias = Sweep() with { Title = "bias", Traces = [((HeatmapTrace)Sweep().Traces[0]) with { Name = "bias", ColorbarTitle = "bias / λ̂₀" }] };
        using var json = JsonDocument.Parse(Figure.Grid(2, Sweep(), bias).ToPlotlyJson());
        var layout = json.RootElement.GetProperty("layout");
        var data = json.RootElement.GetProperty("data");
        double[] Domain(string axis) => layout.GetProperty(axis).GetProperty("domain").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        double left = data[0].GetProperty("colorbar").GetProperty("x").GetDouble(), right = data[1].GetProperty("colorbar").GetProperty("x").GetDouble();
        Assert.InRange(left, Domain("xaxis")[1], Domain("xaxis2")[0] - 0.05); // between the panels, room for its ticks
        Assert.InRange(right, Domain("xaxis2")[1], 1);
        Assert.All(data.EnumerateArray(), t => Assert.False(t.TryGetProperty("showscale", out var s) && !s.GetBoolean()));
    }

    [Fact]
    public void ChainsAreOneFaintBundleBehindAStrongEstimateWithMarksLabelledOnThePlot()
    {
        var figure = new Figure("traces",
            [new BundleTrace("chains (3 of 8)", [10, 20, 30], [[1, 2, 3], [2, 3, 4], [0, 1, 2]]), new LineTrace("λ̂", [10, 20, 30], [1, 2, 2], Emphasis: Emphasis.Strong)],
            new Axis("step"), new Axis("nβ excess"))
        { Marks = [new HorizontalLine("λ = 0.5 (exact)", 0.5), new XSpan("burn-in", 0, 5)] };
        using var json = JsonDocument.Parse(figure.ToPlotlyJson());
        var data = json.RootElement.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(4, data.Count);
        Assert.Equal([true, false, false], data.Take(3).Select(t => t.GetProperty("showlegend").GetBoolean()));
        Assert.Single(data.Take(3).Select(t => t.GetProperty("legendgroup").GetString()).Distinct());
        Assert.All(data.Take(3), t => Assert.Equal(1, t.GetProperty("line").GetProperty("width").GetDouble()));
        Assert.Equal(3, data[3].GetProperty("line").GetProperty("width").GetDouble());
        var layout = json.RootElement.GetProperty("layout");
        var shapes = layout.GetProperty("shapes").EnumerateArray().ToList();
        Assert.Equal(["line", "rect"], shapes.Select(s => s.GetProperty("type").GetString()));
        Assert.Equal(0.5, shapes[0].GetProperty("y0").GetDouble());
        Assert.Equal("x domain", shapes[0].GetProperty("xref").GetString());
        Assert.Equal([5.0, 0.0], new[] { shapes[1].GetProperty("x1").GetDouble(), shapes[1].GetProperty("x0").GetDouble() });
        Assert.Equal(["λ = 0.5 (exact)", "burn-in"], layout.GetProperty("annotations").EnumerateArray().Select(a => a.GetProperty("text").GetString()));
    }

    [Fact]
    public void AMarkOnALogAxisIsLabelledWhereItIsDrawn()
    {
        var figure = new Figure("phases", [new LineTrace("P(W_A)", [1, 10, 100, 1000], [1, 0.9, 0.2, 0])], new Axis("n", Log: true), new Axis("P"))
        { Marks = [new VerticalLine("n_c = 300", 300)] };
        using var json = JsonDocument.Parse(figure.ToPlotlyJson());
        var layout = json.RootElement.GetProperty("layout");
        Assert.Equal(300, layout.GetProperty("shapes")[0].GetProperty("x0").GetDouble()); // shapes: data values
        Assert.Equal(Math.Log10(300), layout.GetProperty("annotations")[0].GetProperty("x").GetDouble(), 12); // annotations: decades
        Assert.Equal("n<sub>c</sub> = 300", layout.GetProperty("annotations")[0].GetProperty("text").GetString());
    }

    [Fact]
    public void ABundleWithoutSeriesOrWithRaggedSeriesIsRejected()
    {
        var empty = new Figure("chains", [new BundleTrace("chains", [1, 2], [])], new Axis("x"), new Axis("y"));
        Assert.Contains("bundle 'chains'", Assert.Throws<ArgumentException>(() => empty.ToPlotlyJson()).Message);
        var ragged = new Figure("chains", [new BundleTrace("chains", [1, 2], [[1, 2], [1]])], new Axis("x"), new Axis("y"));
        Assert.Throws<ArgumentException>(() => ragged.ToPlotlyJson());
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
