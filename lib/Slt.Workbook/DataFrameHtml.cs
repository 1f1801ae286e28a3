using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Data.Analysis;
using Slt.Presentation;

namespace Slt.Workbook;

/// <summary>
/// Draws a <see cref="DataFrame"/> as an HTML table formatted for reading; the frame itself is not changed, and every
/// number's full-precision value is its cell's tooltip. The notebook kernels have no DataFrame formatter unless
/// Microsoft.Data.Analysis came from a NuGet directive, so <see cref="Notebook.Initialize"/> registers this one in every host.
/// <list type="bullet">
/// <item>Numbers to four significant digits (<see cref="NumberText"/>): <c>2.876×10⁻³</c> rather than <c>0.00287570</c>,
/// <c>10⁶</c> rather than <c>1E+06</c>; whole numbers in full, grouped by thousands.</item>
/// <item>A standard-error column beside its value: a column named <c>se</c> (or <c>se (…)</c>, <c>X se</c>, <c>X_se</c>) is
/// written into the column of its value, <c>X</c> when there is one, else the numeric column before it, as
/// <c>0.4512 ± 0.0031</c> (the error to two significant digits, the value to the same decimal place).</item>
/// <item>A column whose name says <c>relative</c> as a signed percentage, <c>+1.2%</c>.</item>
/// <item>Booleans as ✓ and ✗.</item>
/// <item>Long text written as "Label: explanation" (a verdict, a diagnosis) as its label, the words before the first
/// <c>:</c>, <c>—</c>, <c>;</c> or sentence end, with the full text on hover and, numbered, below the table.</item>
/// </list>
/// </summary>
public static partial class DataFrameHtml
{
    /// <summary>Text longer than this, with a label within this many characters, is shown as the label with a note.</summary>
    public const int LongText = 32;

    /// <summary>The class of the link to a table's CSV (<see cref="CsvLink"/>); the write-ups find it by this class.</summary>
    public const string CsvLinkClass = "slt-csv";

    /// <summary>The <c>href</c> prefix of an embedded CSV: base64 UTF-8 follows.</summary>
    public const string CsvDataUriPrefix = "data:text/csv;charset=utf-8;base64,";

    /// <summary>A table whose CSV is larger than this (in bytes) gets no embedded CSV link.</summary>
    public const int MaxEmbeddedCsvBytes = 4 << 20;

    /// <summary>The HTML table; at most <paramref name="maxRows"/> rows are shown.</summary>
    /// <param name="frame">The table.</param>
    /// <param name="maxRows">Rows shown at most.</param>
    /// <param name="csvLink">Add a link "CSV" under the table that carries every row as CSV (<see cref="CsvLink"/>); notebook
    /// outputs have it, and <c>slt reproduce</c> turns it into a file beside the write-up.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRows"/> is not positive.</exception>
    public static string ToHtml(this DataFrame frame, int maxRows = 25, bool csvLink = false)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (maxRows <= 0) throw new ArgumentOutOfRangeException(nameof(maxRows), maxRows, "maxRows must be at least 1.");
        long shown = Math.Min(frame.Rows.Count, maxRows);
        var errors = StandardErrorColumns(frame);
        var notes = new List<string>();

        var html = new StringBuilder();
        html.Append("<table class=\"slt-dataframe\"><thead><tr>");
        foreach (var column in frame.Columns)
        {
            if (errors.ContainsValue(column)) continue;
            string type = column.DataType.Name;
            string name = column.Name;
            if (errors.TryGetValue(column, out var se))
            {
                type += $"; ± the column '{se.Name}'";
                name += " ± " + se.Name;
            }
            html.Append("<th title=\"").Append(Encode(type)).Append("\">").Append(Encode(name)).Append("</th>");
        }
        html.Append("</tr></thead><tbody>");
        var plans = frame.Columns.ToDictionary(c => c, c => NumberPlan.For(c, shown));
        for (long i = 0; i < shown; i++)
        {
            html.Append("<tr>");
            foreach (var column in frame.Columns)
            {
                if (errors.ContainsValue(column)) continue;
                object? value = column[i];
                double? se = errors.TryGetValue(column, out var seColumn) ? AsDouble(seColumn[i]) : null;
                html.Append(Cell(value, plans[column], se, notes));
            }
            html.Append("</tr>");
        }
        html.Append("</tbody></table>");
        if (notes.Count > 0)
        {
            html.Append("<ol class=\"slt-dataframe-notes\">");
            foreach (var note in notes) html.Append("<li>").Append(Encode(note)).Append("</li>");
            html.Append("</ol>");
        }
        html.Append("<p class=\"slt-dataframe-size\"><small>")
            .Append(shown < frame.Rows.Count ? $"first {shown} of {frame.Rows.Count} rows" : $"{frame.Rows.Count} rows")
            .Append(" × ").Append(frame.Columns.Count).Append(" columns");
        if (csvLink && CsvLink(frame) is { } link) html.Append(" · ").Append(link);
        html.Append("</small></p>");
        return html.ToString();
    }

    /// <summary>
    /// A link "CSV" whose target is the whole table as CSV (<see cref="TableCsv"/>, every row), embedded as a data URI so
    /// that it works in any host without writing a file; <c>slt reproduce</c> writes it out beside the write-up and links
    /// the file instead. Null when the CSV exceeds <see cref="MaxEmbeddedCsvBytes"/>.
    /// </summary>
    public static string? CsvLink(DataFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        byte[] csv = frame.ToCsvBytes();
        if (csv.Length > MaxEmbeddedCsvBytes) return null;
        return $"<a class=\"{CsvLinkClass}\" download=\"table.csv\" title=\"every row of this table as CSV\" href=\"{CsvDataUriPrefix}{Convert.ToBase64String(csv)}\">CSV</a>";
    }

    /// <summary>A value as the table writes it (<see cref="NumberText.Significant"/> for numbers); null as an empty string.</summary>
    public static string Format(object? value) => value switch
    {
        null => "",
        double d => NumberText.Significant(d),
        float f => NumberText.Significant(f),
        bool b => b ? "✓" : "✗",
        int or long or short or byte or uint or ulong or ushort or sbyte => Whole(Convert.ToDouble(value, CultureInfo.InvariantCulture)),
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>The short label of a long text written as "Label: explanation": the words before the first <c>:</c>,
    /// <c>—</c>, <c>;</c> or sentence end when they come within <see cref="LongText"/> characters; any other text (a short
    /// one, a token sequence, a parameter name) as it is.</summary>
    public static string ShortLabel(string text)
    {
        if (text.Length <= LongText) return text;
        var match = LabelEnd().Match(text);
        return match.Success && match.Index > 0 && match.Index <= LongText ? text[..match.Index].TrimEnd() : text;
    }

    private static string Cell(object? value, NumberPlan plan, double? se, List<string> notes)
    {
        switch (value)
        {
            case null:
                return "<td></td>";
            case string s when ShortLabel(s) is var label && label != s:
                int index = notes.IndexOf(s);
                if (index < 0) { notes.Add(s); index = notes.Count - 1; }
                return $"<td title=\"{Encode(s)}\">{Encode(label)}<sup>{index + 1}</sup></td>";
            case bool b:
                return $"<td style=\"text-align:center\" title=\"{(b ? "true" : "false")}\">{(b ? "✓" : "✗")}</td>";
        }
        if (AsDouble(value) is double d)
        {
            string text = se is double e && double.IsFinite(e) ? (plan.Percent ? NumberText.Percent(d, 3) + " ± " + NumberText.Significant(100 * e, 2, trimZeros: true) + "%" : NumberText.WithError(d, e))
                : plan.Percent ? NumberText.Percent(d, 3)
                : plan.Whole ? Whole(d)
                : NumberText.Significant(d);
            string full = d.ToString("R", CultureInfo.InvariantCulture) + (se is double e2 ? " ± " + e2.ToString("R", CultureInfo.InvariantCulture) : "");
            return $"<td style=\"text-align:right;white-space:nowrap\" title=\"{Encode(full)}\">{Encode(text)}</td>";
        }
        return "<td>" + Encode(Format(value)) + "</td>";
    }

    /// <summary>A whole number in full, from 10 000 up its thousands grouped by thin spaces: <c>1000</c>, <c>1 000 000</c>.</summary>
    private static string Whole(double value)
    {
        if (!double.IsFinite(value) || Math.Abs(value) >= 1e15) return NumberText.Significant(value);
        if (Math.Abs(value) < 1e4) return NumberText.Significant(value, 4, trimZeros: true);
        string digits = Math.Abs(value).ToString("#,0", CultureInfo.InvariantCulture).Replace(",", "\u2009", StringComparison.Ordinal);
        return (value < 0 ? "\u2212" : "") + digits;
    }

    /// <summary>HTML-escapes the five markup characters only (WebUtility also writes ±, × and the like as numeric entities).</summary>
    private static string Encode(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal)
            .Replace("\"", "&quot;", StringComparison.Ordinal).Replace("'", "&#39;", StringComparison.Ordinal);

    private static double? AsDouble(object? value) => value switch
    {
        double d => d,
        float f => f,
        decimal m => (double)m,
        int or long or short or byte or uint or ulong or ushort or sbyte => Convert.ToDouble(value, CultureInfo.InvariantCulture),
        _ => null,
    };

    private static bool IsNumeric(DataFrameColumn column) =>
        column.DataType == typeof(double) || column.DataType == typeof(float) || column.DataType == typeof(decimal) || column.DataType == typeof(int) || column.DataType == typeof(long);

    /// <summary>Each value column that has a standard-error column, with that column.</summary>
    private static Dictionary<DataFrameColumn, DataFrameColumn> StandardErrorColumns(DataFrame frame)
    {
        var pairs = new Dictionary<DataFrameColumn, DataFrameColumn>();
        var columns = frame.Columns.ToList();
        for (int j = 0; j < columns.Count; j++)
        {
            var column = columns[j];
            if (!IsNumeric(column) || StandardErrorName().Match(column.Name) is not { Success: true } match) continue;
            string stem = match.Groups["stem"].Value.Trim();
            var value = stem.Length > 0 ? columns.FirstOrDefault(c => c.Name == stem && c != column) : null;
            if (value is null && j > 0 && IsNumeric(columns[j - 1]) && !StandardErrorName().IsMatch(columns[j - 1].Name)) value = columns[j - 1];
            if (value is not null && IsNumeric(value) && !pairs.ContainsKey(value)) pairs[value] = column;
        }
        return pairs;
    }

    /// <summary>How a column's numbers are written: whole numbers in full, relative quantities as percentages, else significant digits.</summary>
    private sealed record NumberPlan(bool Whole, bool Percent)
    {
        public static NumberPlan For(DataFrameColumn column, long rows)
        {
            if (!IsNumeric(column)) return new NumberPlan(false, false);
            if (column.Name.Contains("relative", StringComparison.OrdinalIgnoreCase)) return new NumberPlan(false, true);
            bool whole = true;
            for (long i = 0; i < rows && whole; i++)
                if (AsDouble(column[i]) is double d && double.IsFinite(d) && (d != Math.Round(d) || Math.Abs(d) >= 1e15)) whole = false;
            return new NumberPlan(whole, false);
        }
    }

    /// <summary><c>se</c>, <c>se (corrected)</c>, <c>raw se</c>, <c>λ̂ + βν̂ se</c>, <c>llc_se</c>; the stem is the value column's name when it names one.</summary>
    [GeneratedRegex(@"^(?:(?<stem>.*?)[ _])?(?:se|stderr|standard error)(?:\s*\(.*\))?$", RegexOptions.IgnoreCase)]
    private static partial Regex StandardErrorName();

    [GeneratedRegex(@":\s|\s—\s|;\s|\.\s|\.$|\s\(")]
    private static partial Regex LabelEnd();
}
