using System.Text.RegularExpressions;
using Slt.Workbook;

namespace Slt.Notebooks.WriteUp;

/// <summary>
/// The tables of a write-up as files: every table a notebook showed carries its CSV in its "CSV" link
/// (<see cref="DataFrameHtml.CsvLink"/>, written by <c>Slt.Presentation.TableCsv</c>); this writes each one to
/// <c>OUT/NAME/NAME-table-K.csv</c> (K = 1, 2, … in the order the tables appear, so a file keeps its name from run to
/// run) and points the link at the file, so a reader can take the numbers from beside the page.
/// </summary>
public static partial class TableFiles
{
    /// <summary>The folder, relative to the output folder, that holds a notebook's table files.</summary>
    public static string Folder(string notebook) => notebook;

    /// <summary>The file name of a notebook's <paramref name="k"/>-th table (from 1).</summary>
    public static string FileName(string notebook, int k) => $"{notebook}-table-{k}.csv";

    /// <summary>
    /// Writes every table's CSV under <paramref name="outputFolder"/> (replacing the table files of an earlier run) and
    /// returns the run with each link pointing at its file, relative to the page <c>OUT/NAME.html</c>.
    /// </summary>
    /// <exception cref="InvalidDataException">A link's CSV is not valid base64.</exception>
    public static NotebookRun Export(NotebookRun run, string outputFolder)
    {
        ArgumentNullException.ThrowIfNull(run);
        string folder = Path.Combine(outputFolder, Folder(run.Name));
        if (Directory.Exists(folder))
            foreach (var stale in Directory.EnumerateFiles(folder, $"{run.Name}-table-*.csv")) File.Delete(stale);
        int k = 0;
        var cells = run.Cells.Select(cell => cell with
        {
            Outputs = cell.Outputs.Select(output =>
            {
                if (output.Html is not { } html || !html.Contains(DataFrameHtml.CsvLinkClass, StringComparison.Ordinal)) return output;
                string linked = EmbeddedCsvLink().Replace(html, match =>
                {
                    byte[] csv;
                    try { csv = Convert.FromBase64String(match.Groups["data"].Value); }
                    catch (FormatException e) { throw new InvalidDataException($"{run.Name}: a table's CSV link is not valid base64: {e.Message}", e); }
                    string name = FileName(run.Name, ++k);
                    Directory.CreateDirectory(folder);
                    File.WriteAllBytes(Path.Combine(folder, name), csv);
                    string href = Uri.EscapeDataString(Folder(run.Name)) + "/" + Uri.EscapeDataString(name);
                    return $"<a class=\"{DataFrameHtml.CsvLinkClass}\" href=\"{href}\" title=\"every row of this table: {name}\">CSV</a>";
                });
                var data = output.Data.ToDictionary(kv => kv.Key, kv => kv.Value);
                data["text/html"] = linked;
                return output with { Data = data };
            }).ToList(),
        }).ToList();
        return run with { Cells = cells };
    }

    [GeneratedRegex("<a class=\"" + DataFrameHtml.CsvLinkClass + "\"[^>]*?href=\"" + "data:text/csv;charset=utf-8;base64," + "(?<data>[A-Za-z0-9+/=]*)\"[^>]*>CSV</a>")]
    private static partial Regex EmbeddedCsvLink();
}
