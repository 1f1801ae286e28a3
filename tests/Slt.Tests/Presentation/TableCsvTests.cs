using System.Text;
using Microsoft.Data.Analysis;
using Slt.Presentation;
using Slt.Workbook;

namespace Slt.Tests.Presentation;

/// <summary>The one CSV writer (<see cref="TableCsv"/>): every value comes back exactly through <c>DataFrame.LoadCsv</c>.</summary>
public sealed class TableCsvTests
{
    /// <summary>Doubles over the whole range (random bits of several seeds, subnormals, extremes, NaN, ±∞), whole numbers,
    /// text with the separator, quotes and Unicode, booleans and missing values: read back, each one is bit-for-bit the same.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void WrittenTableReadsBackToTheSameValues(int seed)
    {
        var random = new Random(seed);
        const int rows = 200;
        var doubles = Enumerable.Range(0, rows).Select(i => i switch
        {
            0 => double.Epsilon,
            1 => double.MaxValue,
            2 => -double.MinValue / 3,
            3 => double.NaN,
            4 => double.PositiveInfinity,
            5 => 1.0 / 3,
            6 => -0.1 - 0.2,
            _ => RandomFiniteDouble(random),
        }).ToArray();
        var values = new DoubleDataFrameColumn("λ̂ (nats), K = w^2", doubles);
        values[7] = null;
        var whole = new Int32DataFrameColumn("n", Enumerable.Range(0, rows).Select(_ => random.Next(int.MinValue, int.MaxValue)));
        var text = new StringDataFrameColumn("verdict", Enumerable.Range(0, rows).Select(i => (i % 3) switch
        {
            0 => $"Use with care: R̂ = 1.02, ESS {i}",
            1 => $"a \"quoted\" word, and a comma {random.Next()}",
            _ => "plain",
        }));
        var flags = new BooleanDataFrameColumn("trusted", Enumerable.Range(0, rows).Select(_ => random.Next(2) == 1));
        var frame = new DataFrame(values, whole, text, flags);

        string path = Path.Combine(Directory.CreateTempSubdirectory("slt-csv-").FullName, "sub", "table.csv");
        try
        {
            Assert.Equal(path, frame.WriteCsv(path));
            byte[] bytes = File.ReadAllBytes(path);
            Assert.NotEqual(0xEF, bytes[0]); // no byte-order mark
            Assert.Equal(frame.ToCsvBytes(), bytes);
            Assert.StartsWith("\"λ̂ (nats), K = w^2\",n,verdict,trusted", Encoding.UTF8.GetString(bytes));

            var back = DataFrame.LoadCsv(path, dataTypes: frame.ColumnTypes(), encoding: TableCsv.Encoding, cultureInfo: System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(frame.Columns.Select(c => c.Name), back.Columns.Select(c => c.Name));
            Assert.Equal(rows, back.Rows.Count);
            for (int i = 0; i < rows; i++)
            {
                Assert.True(SameDouble(values[i], (double?)back.Columns[0][i]), $"row {i}: {values[i]:R} came back as {back.Columns[0][i]}");
                Assert.Equal(whole[i], back.Columns[1][i]);
                Assert.Equal(text[i], back.Columns[2][i]);
                Assert.Equal(flags[i], back.Columns[3][i]);
            }
        }
        finally { Directory.Delete(Path.GetDirectoryName(Path.GetDirectoryName(path))!, recursive: true); }
    }

    /// <summary>The link under a notebook table carries exactly the writer's bytes, every row (not only those shown).</summary>
    [Fact]
    public void TableLinkCarriesEveryRowAsTheWritersCsv()
    {
        var frame = new DataFrame(new DoubleDataFrameColumn("x", Enumerable.Range(1, 60).Select(i => 1.0 / i)));
        string html = frame.ToHtml(maxRows: 5, csvLink: true);
        var match = System.Text.RegularExpressions.Regex.Match(html, "class=\"slt-csv\"[^>]*href=\"data:text/csv;charset=utf-8;base64,([^\"]+)\"[^>]*>CSV</a>");
        Assert.True(match.Success, html);
        Assert.Equal(frame.ToCsvBytes(), Convert.FromBase64String(match.Groups[1].Value));
        Assert.Contains("first 5 of 60 rows × 1 columns · <a", html);
        Assert.DoesNotContain("slt-csv", frame.ToHtml());
    }

    private static double RandomFiniteDouble(Random random)
    {
        while (true)
        {
            double d = BitConverter.Int64BitsToDouble(random.NextInt64());
            if (double.IsFinite(d)) return d;
        }
    }

    private static bool SameDouble(double? a, double? b) =>
        a is null ? b is null : b is not null && (double.IsNaN(a.Value) ? double.IsNaN(b.Value) : BitConverter.DoubleToInt64Bits(a.Value) == BitConverter.DoubleToInt64Bits(b.Value));
}
