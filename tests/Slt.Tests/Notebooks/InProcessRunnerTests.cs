using System.Text.Json;
using Slt.Notebooks;

namespace Slt.Tests.Notebooks;

[Collection(NotebookCollection.Name)]
public sealed class InProcessRunnerTests(WorkbookReproduction reproduction)
{
    [Theory]
    [MemberData(nameof(WorkbookNotebooks.Names), MemberType = typeof(WorkbookNotebooks))]
    public void EveryNotebookRunsWithoutErrorInProcess(string fileName)
    {
        var run = reproduction.Result.Runs.Single(r => Path.GetFileName(r.Path) == fileName);
        var failed = run.FailedCell;
        Assert.True(failed is null, failed is null ? "" : $"{fileName}, cell {failed.Index + 1} failed: {failed.Error}\n{failed.Source}");
        Assert.Contains(run.Cells, c => c.Status == CellStatus.Succeeded);
    }

    [Fact]
    public void ReproductionWritesExecutedNotebookAndPageForEachNotebookAndAnIndex()
    {
        string index = File.ReadAllText(Path.Combine(reproduction.OutputFolder, "index.html"));
        foreach (var run in reproduction.Result.Runs)
        {
            Assert.Contains($"href=\"{run.Name}.html\"", index);
            string page = File.ReadAllText(Path.Combine(reproduction.OutputFolder, run.Name + ".html"));
            Assert.Contains("<span class=\"status ok\">succeeded</span>", page);
            using var executed = JsonDocument.Parse(File.ReadAllText(Path.Combine(reproduction.OutputFolder, run.Name + ".ipynb")));
            var codeCells = executed.RootElement.GetProperty("cells").EnumerateArray().Where(c => c.GetProperty("cell_type").GetString() == "code").ToList();
            Assert.Equal(run.Cells.Count(c => !c.IsMarkdown), codeCells.Count);
            Assert.Contains(codeCells, c => c.GetProperty("outputs").GetArrayLength() > 0);
            Assert.DoesNotContain(codeCells.SelectMany(c => c.GetProperty("outputs").EnumerateArray()), o => o.GetProperty("output_type").GetString() == "error");
        }
        Assert.Equal(reproduction.Result.Runs.Count, System.Text.RegularExpressions.Regex.Matches(index, "status ok").Count);
    }

    [Fact]
    public void TourShowsATensorResultATableAChartAndMath()
    {
        var tour = reproduction.Result.Runs.Single(r => r.Name == "00-workbook-tour");
        var outputs = tour.Cells.SelectMany(c => c.Outputs).ToList();
        Assert.Contains(outputs, o => o.Html?.Contains("class=\"slt-dataframe\"") == true);
        Assert.Contains(outputs, o => o.Html?.Contains("class=\"slt-figure\"") == true);
        Assert.Contains(tour.Cells, c => c.IsMarkdown && c.Source.Contains("$$"));
        // The free-energy slopes computed with torch in the notebook: the learning coefficients 1/2 and 1/4.
        var slopes = outputs.Select(o => o.Text).Single(t => t?.Contains("λ̂(w²)") == true)!;
        Assert.Contains("λ̂(w²) = 0.5000", slopes);
        Assert.Contains("λ̂(w⁴) = 0.2500", slopes);
    }

    [Fact]
    public async Task CellInAnotherLanguageFailsInsteadOfBeingSkipped()
    {
        string folder = Directory.CreateTempSubdirectory("slt-fsharp-").FullName;
        try
        {
            string path = Path.Combine(folder, "mixed.dib");
            File.WriteAllText(path, "#!csharp\n1 + 1\n\n#!fsharp\nlet x = 1\n\n#!csharp\n2 + 2\n");
            var run = await NotebookRunner.RunAsync(path);
            Assert.Equal([CellStatus.Succeeded, CellStatus.Failed, CellStatus.Skipped], run.Cells.Select(c => c.Status));
            Assert.Contains("'fsharp'", run.FailedCell!.Error);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Fact]
    public async Task FailingCellStopsTheNotebookAndIsReported()
    {
        string folder = Directory.CreateTempSubdirectory("slt-failing-").FullName;
        try
        {
            string path = Path.Combine(folder, "failing.dib");
            File.WriteAllText(path, "#!csharp\nvar x = 41 + 1;\nx\n\n#!csharp\nthrow new InvalidOperationException(\"the answer was \" + x);\n\n#!csharp\nConsole.WriteLine(\"never\");\n");
            var run = await NotebookRunner.RunAsync(path);
            Assert.False(run.Succeeded);
            Assert.Equal([CellStatus.Succeeded, CellStatus.Failed, CellStatus.Skipped], run.Cells.Select(c => c.Status));
            Assert.Equal(1, run.FailedCell!.Index);
            Assert.Contains("the answer was 42", run.FailedCell.Error);
            Assert.Contains(run.Cells[0].Outputs, o => o.Text == "42" || o.Html?.Contains(">42<") == true);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}
