using System.Globalization;
using System.Text;

namespace Slt.Presentation;

/// <summary>
/// Numbers as a reader compares them, shared by the chart layer (tick labels, heatmap cells) and the table formatter:
/// a fixed number of significant digits, powers of ten as <c>10⁻⁴</c> rather than <c>1E-04</c>, very large or small
/// values as <c>2.88×10⁻³</c>, the minus sign U+2212, and a value with its standard error as <c>0.4512 ± 0.0031</c>
/// (the error to two significant digits, the value to the same decimal place). Invariant culture throughout.
/// </summary>
public static class NumberText
{
    /// <summary>Below this magnitude (and from <see cref="LargeMagnitude"/> up) numbers are written with a power of ten.</summary>
    public const double SmallMagnitude = 1e-3;

    /// <summary>From this magnitude up numbers are written with a power of ten (unless they are whole and exact, see <see cref="Significant"/>).</summary>
    public const double LargeMagnitude = 1e5;

    private const char Minus = '\u2212';

    /// <summary>
    /// <paramref name="value"/> to <paramref name="digits"/> significant digits: <c>0.612</c>, <c>40.2</c>, <c>2.88×10⁻³</c>,
    /// <c>10⁶</c> (an exact power of ten outside [10⁻³, 10⁵) is written as one); numbers in [10⁻³, 10⁵) in positional
    /// notation (<c>1000</c>); NaN as <c>NaN</c>, infinities as <c>∞</c>, <c>−∞</c>.
    /// </summary>
    /// <param name="value">The number.</param>
    /// <param name="digits">Significant digits, 1 to 15.</param>
    /// <param name="trimZeros">Drop trailing zeros (<c>0.6</c> rather than <c>0.600</c>); tick labels want it, table cells do not.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="digits"/> is outside 1..15.</exception>
    public static string Significant(double value, int digits = 4, bool trimZeros = false)
    {
        if (digits is < 1 or > 15) throw new ArgumentOutOfRangeException(nameof(digits), digits, "digits must be between 1 and 15.");
        if (double.IsNaN(value)) return "NaN";
        if (double.IsInfinity(value)) return value > 0 ? "∞" : Minus + "∞";
        if (value == 0) return "0";
        double magnitude = Math.Abs(value);
        if (magnitude >= LargeMagnitude || magnitude < SmallMagnitude) return Scientific(value, digits, trimZeros);
        int exponent = (int)Math.Floor(Math.Log10(magnitude));
        int decimals = Math.Max(0, digits - 1 - exponent);
        double rounded = Math.Round(value, Math.Min(decimals, 15), MidpointRounding.AwayFromZero);
        // Rounding can carry into the next power (9.9996 → 10.000): one digit fewer after the point then.
        if (Math.Abs(rounded) >= Math.Pow(10, exponent + 1) && decimals > 0) decimals--;
        if (Math.Abs(rounded) >= LargeMagnitude) return Scientific(value, digits, trimZeros);
        string text = rounded.ToString("F" + decimals, CultureInfo.InvariantCulture);
        if (trimZeros && text.Contains('.')) text = text.TrimEnd('0').TrimEnd('.');
        return WithMinus(text);
    }

    /// <summary>A value on a grid axis (a step size, nβ, γ): as few digits as tell it apart, powers of ten as <c>10ⁿ</c>.</summary>
    public static string GridValue(double value) => Significant(value, 6, trimZeros: true);

    /// <summary>
    /// <c>value ± se</c>: the standard error to two significant digits and the value to the same last decimal place,
    /// e.g. <c>0.4512 ± 0.0031</c>, <c>12.3 ± 1.2</c>, <c>(2.876 ± 0.012)×10⁻³</c>. A missing or non-finite se leaves the value alone.
    /// </summary>
    public static string WithError(double value, double? standardError)
    {
        if (standardError is not double se || !double.IsFinite(se) || se <= 0 || !double.IsFinite(value)) return Significant(value);
        double scale = Math.Max(Math.Abs(value), se);
        if (scale >= LargeMagnitude || scale < SmallMagnitude)
        {
            int exponent = (int)Math.Floor(Math.Log10(scale));
            double unit = Math.Pow(10, exponent);
            return "(" + WithError(value / unit, se / unit) + ")×10" + Superscript(exponent);
        }
        int seExponent = (int)Math.Floor(Math.Log10(se));
        int decimals = Math.Max(0, 1 - seExponent);
        string v = Math.Round(value, decimals, MidpointRounding.AwayFromZero).ToString("F" + decimals, CultureInfo.InvariantCulture);
        string e = Math.Round(se, decimals, MidpointRounding.AwayFromZero).ToString("F" + decimals, CultureInfo.InvariantCulture);
        return WithMinus(v) + " ± " + e;
    }

    /// <summary>A fraction as a percentage with <paramref name="digits"/> significant digits and its sign: <c>+3.2%</c>, <c>−41%</c>.</summary>
    public static string Percent(double fraction, int digits = 2)
    {
        if (!double.IsFinite(fraction)) return Significant(fraction);
        string text = Significant(100 * fraction, digits, trimZeros: true);
        return (fraction > 0 ? "+" : "") + text + "%";
    }

    /// <summary>An integer exponent in superscript digits: −4 → <c>⁻⁴</c>.</summary>
    public static string Superscript(int exponent)
    {
        var s = new StringBuilder();
        foreach (char c in exponent.ToString(CultureInfo.InvariantCulture))
            s.Append(c switch { '-' => '⁻', '0' => '⁰', '1' => '¹', '2' => '²', '3' => '³', '4' => '⁴', '5' => '⁵', '6' => '⁶', '7' => '⁷', '8' => '⁸', _ => '⁹' });
        return s.ToString();
    }

    private static string Scientific(double value, int digits, bool trimZeros)
    {
        double magnitude = Math.Abs(value);
        int exponent = (int)Math.Floor(Math.Log10(magnitude));
        double mantissa = Math.Round(magnitude / Math.Pow(10, exponent), digits - 1, MidpointRounding.AwayFromZero);
        if (mantissa >= 10) { mantissa /= 10; exponent++; }
        string sign = value < 0 ? Minus.ToString() : "";
        string power = "10" + Superscript(exponent);
        // An exact power of ten (a grid value, a sample size) is written as one: 10⁶, not 1.000×10⁶.
        if (Math.Abs(magnitude / Math.Pow(10, exponent) - 1) < 1e-12) return sign + power;
        string text = mantissa.ToString("F" + (digits - 1), CultureInfo.InvariantCulture);
        if (trimZeros && text.Contains('.')) text = text.TrimEnd('0').TrimEnd('.');
        return sign + text + "×" + power;
    }

    private static string WithMinus(string text) => text.StartsWith('-') ? Minus + text[1..] : text;
}
