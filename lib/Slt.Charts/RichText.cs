using System.Text.RegularExpressions;

namespace Slt.Charts;

/// <summary>
/// Titles, names and labels as plotly.js text: the characters plotly would read as markup escaped, and the plain-text
/// math of the figure model drawn as sub- and superscripts: <c>L_n(w)</c> → L<sub>n</sub>(w), <c>K^l</c> → K<sup>l</sup>,
/// <c>t_{l+1}</c> → t<sub>l+1</sub>. A <c>_</c> or <c>^</c> takes the braced group after it, or else the run of letters
/// and digits after it.
/// </summary>
internal static partial class RichText
{
    public static string ToPlotly(string text)
    {
        string escaped = text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
        return Script().Replace(escaped, m =>
        {
            string tag = m.Groups["op"].Value == "_" ? "sub" : "sup";
            string body = m.Groups["braced"].Success ? m.Groups["braced"].Value : m.Groups["run"].Value;
            return $"<{tag}>{body}</{tag}>";
        });
    }

    [GeneratedRegex(@"(?<op>[_^])(?:\{(?<braced>[^{}]*)\}|(?<run>[\p{L}\p{N}]+))")]
    private static partial Regex Script();
}
