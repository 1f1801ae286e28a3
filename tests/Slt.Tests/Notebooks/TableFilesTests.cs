using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Data.Analysis;
using Slt.Notebooks;
using Slt.Notebooks.WriteUp;
using Slt.Presentation;
using Slt.Workbook;

namespace Slt.Tests.Notebooks;

/// <summary>Tables leave the write-up as CSV files beside it, linked from the page; progress leaves one final line.</summary>
public sealed partial class TableFilesTests
{
    private static CellOutput Html(string html) => new(CellOutputKind.Display, new Dictionary<string, string> { ["text/html"] = html });

    [Fact]
    public void EachTableIsWrittenBesideThePageAndLinked()
    {
        var first = new DataFrame(new DoubleDataFrameColumn("x", [1.0 / 3, 2.5e-300]), new StringDataFrameColumn("note", ["a, b", "\"c\""]));
        var second = new DataFrame(new Int32DataFrameColumn("n", Enumerable.Range(1, 40)));
        var run = new NotebookRun("/tmp/nb/07-tables.ipynb",
        [
            new CellRun(0, "csharp", "first", CellStatus.Succeeded, [Html(first.ToHtml(csvLink: true)), Html("<p>not a table</p>")], TimeSpan.Zero, null),
            new CellRun(1, "csharp", "second", CellStatus.Succeeded, [Html(second.ToHtml(maxRows: 5, csvLink: true))], TimeSpan.Zero, null),
        ], TimeSpan.FromSeconds(1));
        string output = Directory.CreateTempSubdirectory("slt-tables-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(output, "07-tables"));
            File.WriteAllText(Path.Combine(output, "07-tables", "07-tables-table-3.csv"), "stale");
            var linked = TableFiles.Export(run, output);
            string page = NotebookPage.Render(linked, DateTimeOffset.UnixEpoch);

            Assert.DoesNotContain("data:text/csv", page);
            var hrefs = CsvHref().Matches(page).Select(m => m.Groups[1].Value).ToList();
            Assert.Equal(["07-tables/07-tables-table-1.csv", "07-tables/07-tables-table-2.csv"], hrefs);
            Assert.Equal(["07-tables-table-1.csv", "07-tables-table-2.csv"],
                Directory.GetFiles(Path.Combine(output, "07-tables")).Select(Path.GetFileName).Order());
            foreach (var (href, frame) in hrefs.Zip([first, second]))
            {
                string file = Path.Combine(output, href);
                Assert.Equal(frame.ToCsvBytes(), File.ReadAllBytes(file));
                var back = DataFrame.LoadCsv(file, dataTypes: frame.ColumnTypes(), cultureInfo: CultureInfo.InvariantCulture);
                Assert.Equal(frame.Rows.Count, back.Rows.Count);
                for (int j = 0; j < frame.Columns.Count; j++)
                    for (long i = 0; i < frame.Rows.Count; i++)
                        Assert.Equal(frame.Columns[j][i], back.Columns[j][i]);
            }
            Assert.Equal("<p>not a table</p>", linked.Cells[0].Outputs[1].Html);
            Assert.Contains("data:text/csv", run.Cells[0].Outputs[0].Html); // the run itself (the executed .ipynb) keeps the embedded CSV
        }
        finally { Directory.Delete(output, recursive: true); }
    }

    /// <summary>
    /// End to end through the in-process runner: a cell reports two runs of 5000 sampling steps to <c>Notebook.Progress</c> and
    /// another shows a table. The write-up holds one progress line (the final one) and links the table's CSV file.
    /// </summary>
    [Fact]
    public async Task ReproducedNotebookRecordsTheFinalProgressLineAndWritesItsTable()
    {
        string folder = Directory.CreateTempSubdirectory("slt-progress-").FullName;
        try
        {
            string workbook = RepositoryPaths.Path("bin", "workbook", "Slt.Workbook.dll").Replace("\\", "/");
            File.WriteAllText(Path.Combine(folder, "t.dib"), $$"""
                #!csharp
                #r "{{workbook}}"
                Slt.Workbook.Notebook.Initialize()

                #!csharp
                IProgress<Slt.Sampling.SamplingProgress> progress = Slt.Workbook.Notebook.Progress("SGLD");
                for (int run = 0; run < 2; run++) for (int i = 1; i <= 5000; i++) progress.Report(new Slt.Sampling.SamplingProgress(i, 5000, "sampling"));
                7 * 6

                #!csharp
                new Microsoft.Data.Analysis.DataFrame(new Microsoft.Data.Analysis.DoubleDataFrameColumn("third", new[] { 1.0 / 3, 2.0 / 3 }))

                """);
            string output = Path.Combine(folder, "out");
            var result = await Reproduction.RunAsync(new ReproduceOptions(folder, output));
            var run = Assert.Single(result.Runs);
            Assert.True(run.Succeeded, run.FailedCell?.Error);

            var outputs = run.Cells[1].Outputs;
            var progress = Assert.Single(outputs, o => o.Text?.StartsWith("SGLD", StringComparison.Ordinal) == true);
            Assert.StartsWith("SGLD: done, 2 runs, 10\u2009000 chain-steps in ", progress.Text); // the second run updated the line in place
            Assert.Contains("class=\"slt-progress\"", progress.Html);
            Assert.Equal(2, outputs.Count); // the progress line and 42: no stream of updates

            string page = File.ReadAllText(Path.Combine(output, "t.html"));
            Assert.Contains("SGLD: done, 2 runs, 10\u2009000 chain-steps", page);
            Assert.Equal(["t/t-table-1.csv"], CsvHref().Matches(page).Select(m => m.Groups[1].Value));
            var back = DataFrame.LoadCsv(Path.Combine(output, "t", "t-table-1.csv"), dataTypes: [typeof(double)], cultureInfo: CultureInfo.InvariantCulture);
            Assert.Equal([1.0 / 3, 2.0 / 3], back.Columns[0].Cast<double?>().Select(v => v!.Value));
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [GeneratedRegex("<a class=\"slt-csv\" href=\"([^\"]+)\"[^>]*>CSV</a>")]
    private static partial Regex CsvHref();
}
