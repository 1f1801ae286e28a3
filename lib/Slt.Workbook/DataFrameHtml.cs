using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Data.Analysis;

namespace Slt.Workbook;

/// <summary>
/// Draws a <see cref="DataFrame"/> as an HTML table: column names with their element types, the first rows, and
/// how many rows there are. The notebook kernels have no DataFrame formatter unless Microsoft.Data.Analysis came
/// from a NuGet directive, so <see cref="Notebook.Initialize"/> registers this one in every host.
/// </summary>
public static class DataFrameHtml
{
    /// <summary>The HTML table; at most <paramref name="maxRows"/> rows are shown.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRows"/> is not positive.</exception>
    public static string ToHtml(this DataFrame frame, int maxRows = 25)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (maxRows <= 0) throw new ArgumentOutOfRangeException(nameof(maxRows), maxRows, "maxRows must be at least 1.");
        var html = new StringBuilder();
        html.Append("<table class=\"slt-dataframe\"><thead><tr>");
        foreach (var column in frame.Columns)
            html.Append("<th title=\"").Append(WebUtility.HtmlEncode(column.DataType.Name)).Append("\">")
                .Append(WebUtility.HtmlEncode(column.Name)).Append("</th>");
        html.Append("</tr></thead><tbody>");
        long shown = Math.Min(frame.Rows.Count, maxRows);
        for (long i = 0; i < shown; i++)
        {
            html.Append("<tr>");
            foreach (var column in frame.Columns)
            {
                object? value = column[i];
                bool numeric = value is double or float or int or long or decimal or short or byte or uint or ulong;
                html.Append(numeric ? "<td style=\"text-align:right\">" : "<td>").Append(WebUtility.HtmlEncode(Format(value))).Append("</td>");
            }
            html.Append("</tr>");
        }
        html.Append("</tbody></table>");
        html.Append("<p class=\"slt-dataframe-size\"><small>")
            .Append(shown < frame.Rows.Count ? $"first {shown} of {frame.Rows.Count} rows" : $"{frame.Rows.Count} rows")
            .Append(" × ").Append(frame.Columns.Count).Append(" columns</small></p>");
        return html.ToString();
    }

    /// <summary>Numbers to six significant digits (invariant culture); null as an empty cell.</summary>
    public static string Format(object? value) => value switch
    {
        null => "",
        double d => d.ToString("G6", CultureInfo.InvariantCulture),
        float f => f.ToString("G6", CultureInfo.InvariantCulture),
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
