using Microsoft.Data.Analysis;
using Slt.Diagnostics;
using Slt.Estimators;
using Slt.GroundTruth;
using Slt.Notebooks;
using Slt.Notebooks.WriteUp;
using Slt.Platform;
using Slt.Presentation;
using Slt.Sampling;
using Slt.Tests.Estimators;
using Slt.Workbook;
using Xunit.Abstractions;

namespace Slt.Tests.Notebooks;

/// <summary>
/// The chart conventions (docs/charts.md), measured in headless Chromium on a small write-up page of representative figures,
/// built by the library's own producers where they are cheap (a trace chart from a short SGLD run, a calibration sweep with
/// a diverged and an absurd cell, the posterior heatmaps, the free energy over a grid of n) and by hand for the rest: every
/// plotting area spans most of the text column, no colour bar overlaps another or a plot, no legend lies over a plot, and
/// every axis of a grid is labelled only at values its grid holds. A page of charts drawn with plotly's defaults (what the
/// write-ups showed before) must fail each check: the checks can see what they look for. <c>SLT_KEEP_WRITEUPS=1</c> keeps
/// the page of representative charts (its folder is printed) to look at.
/// </summary>
[Collection(SamplingCollection.Name)]
public sealed class ChartLayoutBrowserTests(ITestOutputHelper output)
{
    [ChromiumFact]
    public void RepresentativeChartsFillTheColumnAndKeepToTheirGrids()
    {
        Assert.True(Chromium.Executable is not null, "SLT_REQUIRE_BROWSER=1 but Chromium is not installed (/usr/bin/chromium).");
        var figures = RepresentativeFigures();
        string folder = Directory.CreateTempSubdirectory("slt-chart-conventions-").FullName;
        try
        {
            string page = WritePage(folder, figures.Select(f => f.Html).ToList());
            var (column, charts) = ChartLayout.Measure(page);
            foreach (var chart in charts)
                output.WriteLine($"{chart.Title}: plots {string.Join(", ", chart.Plots)}; colour bars {string.Join(", ", chart.Colorbars)}; axes {string.Join("; ", chart.Axes.Select(a => $"{a.Name} {a.Type} ticks [{string.Join(", ", a.Ticks)}]"))}");
            Assert.Equal(figures.Count, charts.Count);
            var problems = ChartLayout.Problems(column, charts);
            Assert.True(problems.Count == 0, $"text column {column:F0} px:\n" + string.Join("\n", problems));

            // The calibration sweep: two panels, a colour bar beside each, both axes categorical on the grid's values.
            var sweep = charts.Single(c => c.Title.StartsWith("λ̂ (γ", StringComparison.Ordinal));
            Assert.Equal(2, sweep.Plots.Count);
            Assert.Equal(2, sweep.Colorbars.Count);
            for (int i = 0; i < 2; i++) Assert.InRange(sweep.Colorbars[i].Left, sweep.Plots[i].Right, sweep.Plots[i].Right + 40);
            Assert.All(sweep.Axes, a => Assert.Equal("category", a.Type));
            Assert.Contains(sweep.Axes, a => a.Ticks.SequenceEqual(["10⁻⁴", "10⁻³", "10⁻²", "10⁻¹"]));
            Assert.Contains(sweep.Axes, a => a.Ticks.SequenceEqual(["100", "1000"]));
            // The posterior heatmaps: one quantity, one colour bar.
            Assert.Single(charts.Single(c => c.Title.StartsWith("n = 1,", StringComparison.Ordinal)).Colorbars);
            // The γ sweep: labelled at the three γ it ran, nowhere else.
            Assert.Equal(["1000", "2000", "4000"], charts.Single(c => c.Title.StartsWith("λ̂ against", StringComparison.Ordinal)).Axes.Single(a => a.Name == "xaxis").TickLabels);
        }
        finally
        {
            if (Environment.GetEnvironmentVariable("SLT_KEEP_WRITEUPS") == "1") output.WriteLine($"kept {folder}");
            else Directory.Delete(folder, recursive: true);
        }
    }

    [ChromiumFact]
    public void ChartsDrawnWithPlotlyDefaultsFailTheChecks()
    {
        Assert.True(Chromium.Executable is not null, "SLT_REQUIRE_BROWSER=1 but Chromium is not installed (/usr/bin/chromium).");
        // What the write-ups showed before: 600 px wide with the legend at the right, two colour bars at plotly's one place,
        // nβ ∈ {100, 1000} on a linear axis, γ ∈ {1000, 2000, 4000} on a log axis labelled where plotly likes.
        string narrow = Raw("narrow", """
            [{"type":"scatter","x":[1,2,3],"y":[1,2,3],"name":"a long legend entry, chain 0"},{"type":"scatter","x":[1,2,3],"y":[2,3,4],"name":"another long legend entry"}]
            """, """{"width":600,"height":600}""");
        string bars = Raw("stacked colour bars", """
            [{"type":"heatmap","x":[-4,-3,-2,-1],"y":[100,1000],"z":[[1,2,3,40],[1,2,3,4]],"xaxis":"x","yaxis":"y"},
             {"type":"heatmap","x":[-4,-3,-2,-1],"y":[100,1000],"z":[[0.6,0.7,0.9,1],[0.5,0.6,0.7,0.8]],"xaxis":"x2","yaxis":"y2"}]
            """, """{"grid":{"rows":1,"columns":2,"pattern":"independent"},"height":400}""");
        string sweep = Raw("gamma sweep", """
            [{"type":"scatter","mode":"lines+markers","x":[1000,2000,4000],"y":[30,25,21],"name":"nβ = 40"}]
            """, """{"xaxis":{"type":"log"},"height":400}""");
        string folder = Directory.CreateTempSubdirectory("slt-chart-defaults-").FullName;
        try
        {
            var (column, charts) = ChartLayout.Measure(WritePage(folder, [narrow, bars, sweep]));
            var problems = ChartLayout.Problems(column, charts);
            foreach (var p in problems) output.WriteLine(p);
            Assert.Contains(problems, p => p.StartsWith("'narrow': the plotting area spans", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.StartsWith("'stacked colour bars': colour bars 1", StringComparison.Ordinal) && p.EndsWith("overlap.", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.StartsWith("'stacked colour bars': axis yaxis (linear) is labelled at", StringComparison.Ordinal) && p.Contains("does not hold"));
            Assert.Contains(problems, p => p.StartsWith("'gamma sweep': axis xaxis (log) is labelled at", StringComparison.Ordinal));
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    /// <summary>The figures, each with its HTML fragment (plotly.js left to the page).</summary>
    private static List<(string Title, string Html)> RepresentativeFigures()
    {
        TorchRuntime.Initialize();
        var list = new List<(string, string)>();
        void Add(Figure f) => list.Add((f.Title, f.ToHtml(PlotlyInclusion.Never)));
        void AddGrid(FigureGrid g) => list.Add((g.Figures[0].Title, g.ToHtml(PlotlyInclusion.Never)));

        // A trace chart from a short run on w₁²w₂² at t = 1000 (exact E_t[tK] known): 16 chains, 8 drawn.
        var cross = NormalCrossingPotential.Parse("1,1");
        var settings = GroundTruthCases.PotentialSettings(cross, 1000, chains: 16) with { BurnIn = 400, Draws = 60, StepsBetweenDraws = 10 };
        var coefficient = cross.LearningCoefficient();
        var truth = new KnownTruth(coefficient?.Lambda, coefficient?.Multiplicity, PotentialQuadrature.At(cross, 1000).ExpectedTK);
        var llc = LocalLearningCoefficient.Estimate(new PotentialTarget(cross), settings, truth);
        Add(llc.ToFigure());

        // A calibration sweep over ε ∈ 10⁻⁴..10⁻¹, nβ ∈ {100, 1000}: one absurd cell (λ̂ = 40) and one divergent cell.
        var points = new List<CalibrationPoint>();
        foreach (double nb in new[] { 100.0, 1000.0 })
            foreach (double eps in new[] { 1e-4, 1e-3, 1e-2, 1e-1 })
            {
                double? value = eps == 1e-1 ? (nb == 100 ? 40 : null) : 0.6 + 10 * eps + (nb == 1000 ? 0.02 : 0);
                points.Add(new CalibrationPoint(eps, nb, 0, value, value is null ? null : 0.01, 1.001, 0.9, value is null ? Trust.Divergent : Trust.Trustworthy,
                    Bias: value is double v ? 10 * eps * (eps == 1e-1 ? 60 : 1) : null, BiasStandardError: value is null ? null : 0.01));
            }
        AddGrid(new CalibrationResult(points, points[1], "use ε = 10⁻³").ToFigure());

        // Posterior heatmaps (81 × 81, one quantity: one colour bar) and the free energy over a grid of n (log axis).
        AddGrid(PotentialPosterior.Heatmaps(cross, [1, 10, 100, 1000]));
        Add(PotentialPosterior.FreeEnergyFigure(cross, [10, 30, 100, 300, 1000, 3000, 10000, 100000, 1000000]));

        // A γ sweep as LocalizationSweep draws it, lines over length with many legend entries, and bars.
        Add(new Figure("λ̂ against the localization γ", [new LineTrace("nβ = 40", [1000, 2000, 4000], [30, 25, 21], [0.5, 0.6, 0.7], Markers: true)],
            new Axis("localization γ", Log: true), new Axis("λ̂")));
        var lengths = Enumerable.Range(1, 31).Select(l => (double)l).ToArray();
        Add(new Figure("K^l(w) by input length across training",
            new[] { 100, 300, 1000, 3000, 10000, 30000 }.Select(step => (Trace)new LineTrace($"step {step}", lengths, lengths.Select(l => 1.0 / step + 0.01 * l / Math.Sqrt(step)).ToArray())).ToList(),
            new Axis("input length l"), new Axis("K^l (nats)", Log: true)));
        Add(new Figure("Next token", [new BarTrace("q (truth)", ["red", "car", "and", "fast", "blue"], [0.3, 0.25, 0.2, 0.15, 0.1]),
            new BarTrace("p (model)", ["red", "car", "and", "fast", "blue"], [0.2, 0.2, 0.2, 0.2, 0.2])], new Axis("next token"), new Axis("probability")));
        return list;
    }

    /// <summary>A write-up page (the real page renderer and stylesheet) holding the fragments and a table.</summary>
    private static string WritePage(string folder, IReadOnlyList<string> fragments)
    {
        var table = new DataFrame(new DoubleDataFrameColumn("n", [10, 1e6]), new DoubleDataFrameColumn("λ̂", [0.0028757, 4.41]), new DoubleDataFrameColumn("se", [0.00012, 0.05]));
        var cells = fragments.Select((html, i) => new CellRun(i, "csharp", $"figure {i}", CellStatus.Succeeded,
            [new CellOutput(CellOutputKind.Display, new Dictionary<string, string> { ["text/html"] = html })], TimeSpan.FromSeconds(1), null)).ToList();
        cells.Add(new CellRun(cells.Count, "csharp", "table", CellStatus.Succeeded,
            [new CellOutput(CellOutputKind.Display, new Dictionary<string, string> { ["text/html"] = table.ToHtml() })], TimeSpan.FromSeconds(1), null));
        string path = Path.Combine(folder, "charts.html");
        File.WriteAllText(path, NotebookPage.Render(new NotebookRun(Path.Combine(folder, "charts.ipynb"), cells, TimeSpan.FromSeconds(1)), DateTimeOffset.UnixEpoch));
        return path;
    }

    /// <summary>A chart drawn by plotly.js from raw Plotly JSON, as the write-ups embed charts.</summary>
    private static string Raw(string title, string data, string layout)
    {
        string id = "slt-figure-" + Guid.NewGuid().ToString("N")[..12];
        return $$"""
            <div class="slt-figure" id="{{id}}" aria-label="{{title}}"></div>
            <script>(function () { function draw() { if (window.Plotly) Plotly.newPlot('{{id}}', {{data}}, {{layout}}, { responsive: true }); else setTimeout(draw, 50); } draw(); })();</script>
            """;
    }
}
