using System.Text.RegularExpressions;
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
        Assert.Equal(5, Regex.Matches(html, "<tr><td").Count);
        Assert.Contains("title=\"0.3333333333333333\">0.3333<", html); // four significant digits, the full value on hover
        Assert.Contains("&lt;b&gt;two&lt;/b&gt;", html);
        Assert.Contains("first 5 of 30 rows × 3 columns", html);
    }

    [Fact]
    public void MissingValuesAreEmptyCells()
    {
        var column = new DoubleDataFrameColumn("x", 2);
        column[0] = 1.5;
        string html = new DataFrame(column).ToHtml();
        Assert.Contains(">1.500</td>", html);
        Assert.Contains("<td></td>", html);
        Assert.Contains("2 rows × 1 columns", html);
    }

    [Fact]
    public void NumbersAreWrittenForReadingNotAsRawDoubles()
    {
        var frame = new DataFrame(new DoubleDataFrameColumn("n", [10, 1000, 1e6]), new DoubleDataFrameColumn("F_n", [0.0028757034, 1.73022015, -0.0192269878]), new DoubleDataFrameColumn("ν", [2.8757e-5, 1e-9, 6.02e23]));
        string html = frame.ToHtml();
        Assert.Contains(">1\u2009000\u2009000</td>", html); // whole numbers in full, grouped; not 1E+06
        Assert.Contains(">1000</td>", html);
        Assert.Contains(">0.002876</td>", html);
        Assert.Contains(">−0.01923</td>", html);
        Assert.Contains(">2.876×10⁻⁵</td>", html);
        Assert.Contains(">6.020×10²³</td>", html);
        Assert.Contains("title=\"0.0028757034\"", html);
        Assert.DoesNotMatch(">[^<]*E[+-]", html); // no raw exponent in a cell (the tooltips keep the round-trip value)
    }

    [Fact]
    public void AStandardErrorColumnIsWrittenBesideItsValue()
    {
        // "se" after its value (GroundTruthCases, LlcComparison), "se (corrected)" after its own, "L_se" named by its value.
        var frame = new DataFrame(
            new StringDataFrameColumn("case", ["a", "b"]),
            new DoubleDataFrameColumn("λ̂", [0.45123, 4.4102]),
            new DoubleDataFrameColumn("se", [0.00312, 0.0503]),
            new DoubleDataFrameColumn("λ̂ + βν̂", [0.5, 4.8]),
            new DoubleDataFrameColumn("se (corrected)", [0.004, 0.06]),
            new DoubleDataFrameColumn("L", [1.25, 2.5]),
            new DoubleDataFrameColumn("S", [1.0, 2.0]),
            new DoubleDataFrameColumn("L_se", [0.011, 0.02]));
        string html = frame.ToHtml();
        Assert.Contains(">λ̂ ± se</th>", html);
        Assert.Contains(">λ̂ + βν̂ ± se (corrected)</th>", html);
        Assert.Contains(">L ± L_se</th>", html);
        Assert.DoesNotContain(">se</th>", html);
        Assert.Contains(">0.4512 ± 0.0031</td>", html);
        Assert.Contains(">4.410 ± 0.050</td>", html);
        Assert.Contains(">0.5000 ± 0.0040</td>", html);
        Assert.Contains(">1.250 ± 0.011</td>", html);
        Assert.Contains("title=\"0.45123 ± 0.00312\"", html);
        Assert.Equal(5, Regex.Matches(html, "<th ").Count);
        Assert.Contains("2 rows × 8 columns", html); // the frame is not changed
    }

    [Fact]
    public void RelativeQuantitiesArePercentagesAndBooleansAreMarks()
    {
        var frame = new DataFrame(new DoubleDataFrameColumn("relative error", [0.01234, -0.0041]), new BooleanDataFrameColumn("acceptable", [true, false]));
        string html = frame.ToHtml();
        Assert.Contains(">+1.23%</td>", html);
        Assert.Contains(">−0.41%</td>", html);
        Assert.Contains("title=\"true\">✓</td>", html);
        Assert.Contains("title=\"false\">✗</td>", html);
    }

    [Fact]
    public void LongTextIsAShortLabelWithTheFullTextOnHoverAndBelow()
    {
        const string verdict = "Trustworthy: chains agree (R̂ 1.009), bulk-ESS 23915, tail-ESS 44072, MALA acceptance 1.00.";
        const string other = "Use with care: step-size bias 0.0784 ± 0.018 at ε = 0.001 exceeds one se + 5 %";
        var frame = new DataFrame(new StringDataFrameColumn("verdict", [verdict, other, verdict, "Caution"]));
        string html = frame.ToHtml();
        Assert.Contains($"<td title=\"{verdict}\">Trustworthy<sup>1</sup></td>", html);
        Assert.Contains(">Use with care<sup>2</sup></td>", html);
        Assert.Equal(2, Regex.Matches(html, "<sup>1</sup>").Count); // one note per distinct text
        Assert.Contains("<td>Caution</td>", html);
        // Long text without a label (a token sequence) is shown whole.
        Assert.Contains("<td>orange ford orange bmw purple bmw then orange bmw green kia</td>",
            new DataFrame(new StringDataFrameColumn("input", ["orange ford orange bmw purple bmw then orange bmw green kia"])).ToHtml());
        Assert.Contains($"<ol class=\"slt-dataframe-notes\"><li>{verdict}</li><li>", html);
    }

    [Theory]
    [InlineData("Trustworthy", "Trustworthy")]
    [InlineData("Divergent — no estimate: 8 of 8 chains diverged (the loss became NaN)", "Divergent")]
    [InlineData("orange ford orange bmw purple bmw then orange bmw green kia", "orange ford orange bmw purple bmw then orange bmw green kia")]
    [InlineData("blocks.0.attention.heads.0.query.weight", "blocks.0.attention.heads.0.query.weight")]
    public void ShortLabelsAreTheWordsBeforeTheFirstBreakAndOtherTextIsWhole(string text, string label) => Assert.Equal(label, DataFrameHtml.ShortLabel(text));

    [Fact]
    public void NonPositiveRowLimitIsRejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new DataFrame(new DoubleDataFrameColumn("x", 1)).ToHtml(maxRows: 0));
        Assert.Equal("maxRows", e.ParamName);
    }
}
