using System.Globalization;
using System.Text;
using Microsoft.Data.Analysis;

namespace Slt.Presentation;

/// <summary>
/// A table as CSV, the one writer behind every CSV the workbook produces (the tables a notebook shows, beside its
/// write-up; the CLI's <c>losses.csv</c> and <c>--traces</c> files): <see cref="DataFrame.SaveCsv(DataFrame, Stream, char, bool, Encoding, CultureInfo)"/>
/// with a header row, comma separators, the invariant culture (numbers round-trip: a double is written as its shortest
/// exact decimal form) and UTF-8 without a byte-order mark. Every row of the frame is written, not only those a page shows.
/// <c>DataFrame.LoadCsv</c> reads the file back to the same values when given the column types
/// (<see cref="ColumnTypes"/>); without them it guesses, and reads numbers as <c>float</c>.
/// </summary>
public static class TableCsv
{
    /// <summary>UTF-8 without a byte-order mark.</summary>
    public static readonly Encoding Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    /// <summary>The frame as CSV text.</summary>
    public static string ToCsv(this DataFrame frame) => Encoding.GetString(ToCsvBytes(frame));

    /// <summary>The frame as CSV, UTF-8 bytes.</summary>
    public static byte[] ToCsvBytes(this DataFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        using var stream = new MemoryStream();
        DataFrame.SaveCsv(frame, stream, separator: ',', header: true, encoding: Encoding, cultureInfo: CultureInfo.InvariantCulture);
        return stream.ToArray();
    }

    /// <summary>Writes the frame to <paramref name="path"/> (its folder is created) and returns the full path.</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    public static string WriteCsv(this DataFrame frame, string path)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("path must name a file.", nameof(path));
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, frame.ToCsvBytes());
        return full;
    }

    /// <summary>The frame's column types, in order: what <c>DataFrame.LoadCsv(…, dataTypes: …)</c> needs to read the file back exactly.</summary>
    public static Type[] ColumnTypes(this DataFrame frame) => frame.Columns.Select(c => c.DataType).ToArray();
}
