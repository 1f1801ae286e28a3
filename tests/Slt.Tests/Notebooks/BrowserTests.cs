using System.Text.RegularExpressions;
using Slt.Presentation;
using Slt.Workbook;

namespace Slt.Tests.Notebooks;

/// <summary>
/// Opens the write-ups in headless Chromium, offline: every chart drawn (Plotly's <c>svg.main-svg</c>), every formula
/// typeset (KaTeX), and no request leaving the page (all go to a proxy that records and refuses them).
/// </summary>
[Collection(NotebookCollection.Name)]
public sealed partial class BrowserTests(WorkbookReproduction reproduction)
{
    [ChromiumFact]
    public void IndexOpensOfflineAndLinksEveryNotebook()
    {
        Assert.True(Chromium.Executable is not null, "SLT_REQUIRE_BROWSER=1 but Chromium is not installed (/usr/bin/chromium).");
        var (dom, requests) = Chromium.DumpDom(Path.Combine(reproduction.OutputFolder, "index.html"));
        Assert.Empty(requests);
        foreach (var run in reproduction.Result.Runs) Assert.Contains($"href=\"{run.Name}.html\"", dom);
    }

    [ChromiumFact]
    public void EveryNotebookPageDrawsItsChartsAndMathOffline()
    {
        Assert.True(Chromium.Executable is not null, "SLT_REQUIRE_BROWSER=1 but Chromium is not installed (/usr/bin/chromium).");
        // Two pages at a time: each Chromium has its own profile and proxy, and one page keeps about one core busy.
        var dumps = reproduction.Result.Runs.AsParallel().AsOrdered().WithDegreeOfParallelism(2)
            .Select(run => Chromium.DumpDom(Path.Combine(reproduction.OutputFolder, run.Name + ".html"))).ToList();
        foreach (var (run, (dom, requests)) in reproduction.Result.Runs.Zip(dumps))
        {
            string page = Path.Combine(reproduction.OutputFolder, run.Name + ".html");
            string source = File.ReadAllText(page);
            Assert.True(requests.Count == 0, $"{run.Name}.html made network requests: {string.Join("; ", requests)}");
            AssertChartsDrawn(run.Name, source, dom);
            AssertMathTypeset(run.Name, source, dom);
            if (run.Name == "00-workbook-tour")
            {
                Assert.Single(FigureId().Matches(source));
                Assert.True(MathElement().Matches(source).Count >= 10, "the tour's formulas were not found as math elements.");
            }
        }
    }

    /// <summary>The chart conventions (docs/charts.md) on the real write-ups, at 1300 px: every chart's plotting area spans most
    /// of the text column, no colour bar overlaps another or a plot, no legend lies over a plot, and every axis of a grid is
    /// labelled only at values the grid holds (<see cref="ChartLayout.Problems"/>).</summary>
    [ChromiumFact]
    public void EveryChartOfTheWriteUpsFillsTheColumnAndKeepsToItsGrid()
    {
        Assert.True(Chromium.Executable is not null, "SLT_REQUIRE_BROWSER=1 but Chromium is not installed (/usr/bin/chromium).");
        var problems = new List<string>();
        var measured = reproduction.Result.Runs.AsParallel().AsOrdered().WithDegreeOfParallelism(2)
            .Select(run => ChartLayout.Measure(Path.Combine(reproduction.OutputFolder, run.Name + ".html"))).ToList();
        foreach (var (run, (column, charts)) in reproduction.Result.Runs.Zip(measured))
        {
            string page = Path.Combine(reproduction.OutputFolder, run.Name + ".html");
            Assert.Equal(FigureId().Matches(File.ReadAllText(page)).Select(m => m.Groups["id"].Value).Distinct().Count(), charts.Count);
            problems.AddRange(ChartLayout.Problems(column, charts).Select(p => $"{run.Name}: {p}"));
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [ChromiumFact]
    public void FigureSavedFromAPlainProcessDrawsOffline()
    {
        Assert.True(Chromium.Executable is not null, "SLT_REQUIRE_BROWSER=1 but Chromium is not installed (/usr/bin/chromium).");
        string folder = Directory.CreateTempSubdirectory("slt-figure-page-").FullName;
        try
        {
            var figure = new Figure("saved from a test", [new BarTrace("counts", ["a", "b", "c"], [3, 1, 2], ErrorY: [0.5, 0.2, 0.3])], new Axis("letter"), new Axis("count"));
            string path = figure.SaveHtml(Path.Combine(folder, "figure.html"));
            var (dom, requests) = Chromium.DumpDom(path);
            Assert.Empty(requests);
            AssertChartsDrawn("figure.html", File.ReadAllText(path), dom);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [ChromiumFact]
    public void RequestsFromAPageAreSeen()
    {
        // The detector itself: a page that loads a remote script and image must show up as requests.
        Assert.True(Chromium.Executable is not null, "SLT_REQUIRE_BROWSER=1 but Chromium is not installed (/usr/bin/chromium).");
        string folder = Directory.CreateTempSubdirectory("slt-online-page-").FullName;
        try
        {
            string page = Path.Combine(folder, "online.html");
            File.WriteAllText(page, "<html><head><script src=\"https://cdn.example.org/plotly.min.js\"></script></head><body><img src=\"http://images.example.org/x.png\"></body></html>");
            var (_, requests) = Chromium.DumpDom(page);
            Assert.Contains(requests, r => r.Contains("cdn.example.org", StringComparison.Ordinal));
            Assert.Contains(requests, r => r.Contains("images.example.org", StringComparison.Ordinal));
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    private static void AssertChartsDrawn(string name, string source, string dom)
    {
        var ids = FigureId().Matches(source).Select(m => m.Groups["id"].Value).Distinct().ToList();
        foreach (var id in ids)
        {
            int at = dom.IndexOf($"id=\"{id}\"", StringComparison.Ordinal);
            Assert.True(at >= 0, $"{name}: chart {id} is missing from the DOM.");
            int next = dom.IndexOf("id=\"slt-figure-", at + 10, StringComparison.Ordinal);
            string region = next < 0 ? dom[at..] : dom[at..next];
            Assert.True(region.Contains("class=\"main-svg\"", StringComparison.Ordinal), $"{name}: plotly did not draw chart {id}.");
        }
    }

    private static void AssertMathTypeset(string name, string source, string dom)
    {
        int formulas = MathElement().Matches(source).Count;
        int typeset = KatexRoot().Matches(dom).Count;
        Assert.True(typeset >= formulas, $"{name}: {formulas} formulas, {typeset} typeset by KaTeX.");
        Assert.DoesNotMatch("class=\"[^\"]*\\b(katex-error|math-error)\\b", dom);
    }

    [GeneratedRegex("id=\"(?<id>slt-figure-[0-9a-f]+)\"")]
    private static partial Regex FigureId();

    [GeneratedRegex("<(span|div) class=\"math\">")]
    private static partial Regex MathElement();

    [GeneratedRegex("<span class=\"katex\">")]
    private static partial Regex KatexRoot();
}
