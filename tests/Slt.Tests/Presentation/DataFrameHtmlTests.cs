using Microsoft.Data.Analysis;
using Slt.Workbook;

namespace Slt.Tests.Presentation;

public sealed class DataFrameHtmlTests
{
    [Fact]
    public void DataFrameBecomesATableOfItsFirstRows()
    {
        var frame = new DataFrame(
            new Int32DataFrameColumn("n", Enumerable.Range(1, 30)),
            new DoubleDataFrameColumn("loss", Enumerable.Range(1, 30).Select(i => 1.0 / i)),
            new StringDataFrameColumn("note", Enumerable.Range(1, 30).Select(i => i == 2 ? "<b>two</b>" : "")));
        string html = frame.ToHtml(maxRows: 5);
        Assert.Contains("<th title=\"Int32\">n</th><th title=\"Double\">loss</th><th title=\"String\">note</th>", html);
        Assert.Equal(5, System.Text.RegularExpressions.Regex.Matches(html, "<tr><td").Count);
        Assert.Contains(">0.333333<", html);
        Assert.Contains("&lt;b&gt;two&lt;/b&gt;", html);
        Assert.Contains("first 5 of 30 rows × 3 columns", html);
    }

    [Fact]
    public void MissingValuesAreEmptyCells()
    {
        var column = new DoubleDataFrameColumn("x", 2);
        column[0] = 1.5;
        string html = new DataFrame(column).ToHtml();
        Assert.Contains("<td style=\"text-align:right\">1.5</td>", html);
        Assert.Contains("<td></td>", html);
        Assert.Contains("2 rows × 1 columns", html);
    }

    [Fact]
    public void NonPositiveRowLimitIsRejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new DataFrame(new DoubleDataFrameColumn("x", 1)).ToHtml(maxRows: 0));
        Assert.Equal("maxRows", e.ParamName);
    }
}
