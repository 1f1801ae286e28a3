using System.Reflection;
using System.Text.RegularExpressions;

namespace Slt.Notebooks.WriteUp;

/// <summary>
/// What every write-up page carries inline, so that it opens offline from any folder: the stylesheet, KaTeX (script,
/// stylesheet, and its woff2 fonts as data URIs; vendored from npm by scripts/vendor-katex.sh) and, on pages with
/// charts, plotly.js (from Plotly.NET, via Slt.Workbook).
/// </summary>
public static partial class PageAssets
{
    private static readonly Assembly Self = typeof(PageAssets).Assembly;
    private static readonly Lazy<string> KatexCssInline = new(InlineKatexFonts);

    /// <summary>The KaTeX version vendored.</summary>
    public static string KatexVersion => Resource("katex/VERSION").Trim();

    /// <summary>KaTeX's script element.</summary>
    public static string KatexScript => $"<script type=\"text/javascript\">{Resource("katex/katex.min.js")}</script>";

    /// <summary>KaTeX's stylesheet with every font inlined.</summary>
    public static string KatexStyle => $"<style>{KatexCssInline.Value}</style>";

    /// <summary>Renders every <c>.math</c> element Markdig produced (<c>\( \)</c> inline, <c>\[ \]</c> display).</summary>
    public const string RenderMathScript = """
        <script type="text/javascript">
        document.querySelectorAll('span.math, div.math').forEach(function (el) {
          var tex = el.textContent.trim();
          var display = el.tagName === 'DIV';
          if (tex.startsWith('\\(') || tex.startsWith('\\[')) tex = tex.slice(2, -2);
          try { katex.render(tex, el, { displayMode: display, throwOnError: false }); }
          catch (e) { el.classList.add('math-error'); el.title = String(e); }
        });
        </script>
        """;

    /// <summary>The pages' own stylesheet.</summary>
    public const string Style = """
        <style>
        body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1000px; margin: 2em auto; padding: 0 1em; color: #1f2328; line-height: 1.5; }
        nav { font-size: 0.9em; margin-bottom: 1em; }
        a { color: #0969da; }
        .status { display: inline-block; padding: 0.1em 0.6em; border-radius: 1em; font-size: 0.85em; font-weight: 600; }
        .status.ok { background: #dafbe1; color: #1a7f37; }
        .status.failed { background: #ffebe9; color: #cf222e; }
        .status.notrun { background: #eaeef2; color: #57606a; }
        .failure { border: 2px solid #cf222e; background: #fff5f5; padding: 0.8em 1em; border-radius: 6px; margin: 1em 0; }
        .cell { margin: 1.2em 0; }
        .cell.code .source { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: 0.7em 1em; overflow-x: auto; margin: 0; }
        .cell.code.failed .source { border-color: #cf222e; }
        .cell .meta { font-size: 0.75em; color: #57606a; margin: 0.2em 0; }
        .outputs { border-left: 3px solid #d0d7de; padding-left: 1em; margin-top: 0.5em; overflow-x: auto; }
        .outputs pre { margin: 0.3em 0; white-space: pre-wrap; }
        .outputs pre.error { color: #cf222e; background: #fff5f5; padding: 0.5em; border-radius: 4px; }
        .outputs pre.stderr { color: #9a6700; }
        table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
        th, td { border: 1px solid #d0d7de; padding: 0.25em 0.6em; }
        th { background: #f6f8fa; }
        pre, code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace; }
        code { font-size: 0.85em; }
        pre { font-size: 0.82em; }
        pre code { font-size: inherit; }
        pre .combined { font-family: "DejaVu Sans", system-ui, -apple-system, "Segoe UI", sans-serif; }
        .slt-dataframe td { font-variant-numeric: tabular-nums; }
        .slt-dataframe td sup { color: #57606a; margin-left: 0.15em; }
        .slt-dataframe td[title] { cursor: help; }
        ol.slt-dataframe-notes { font-size: 0.8em; color: #57606a; margin: 0.2em 0 0.4em; padding-left: 1.6em; }
        .slt-dataframe-size { margin: 0.2em 0; color: #57606a; }
        .slt-dataframe-size a.slt-csv { color: #0969da; font-weight: 600; text-decoration: none; border: 1px solid #d0d7de; border-radius: 4px; padding: 0 0.4em; }
        .slt-dataframe-size a.slt-csv:hover { background: #f6f8fa; }
        .slt-progress { font-size: 0.82em; color: #57606a; margin: 0.3em 0; }
        .slt-figure { width: 100%; margin: 0.4em 0; }
        .katex-display { overflow-x: auto; overflow-y: hidden; }
        footer { margin-top: 3em; font-size: 0.8em; color: #57606a; }
        </style>
        """;

    private static string InlineKatexFonts()
    {
        string css = Resource("katex/katex.min.css");
        // Keep the woff2 source of each @font-face (every browser that runs KaTeX reads woff2) and inline it.
        css = WoffFallbacks().Replace(css, "");
        css = Woff2Url().Replace(css, m =>
            $"url(data:font/woff2;base64,{Convert.ToBase64String(ResourceBytes("katex/fonts/" + m.Groups["file"].Value))})");
        if (css.Contains("url(fonts/", StringComparison.Ordinal))
            throw new InvalidOperationException("KaTeX's stylesheet still refers to font files after inlining; re-run scripts/vendor-katex.sh.");
        return css;
    }

    [GeneratedRegex(@",url\(fonts/[^)]+\.(woff|ttf)\) format\(""(woff|truetype)""\)")]
    private static partial Regex WoffFallbacks();

    [GeneratedRegex(@"url\(fonts/(?<file>[^)]+\.woff2)\)")]
    private static partial Regex Woff2Url();

    private static string Resource(string name)
    {
        using var reader = new StreamReader(Open(name));
        return reader.ReadToEnd();
    }

    private static byte[] ResourceBytes(string name)
    {
        using var stream = Open(name);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static Stream Open(string name) =>
        Self.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"Resource '{name}' is missing from {Self.GetName().Name}; re-run scripts/vendor-katex.sh and rebuild.");
}
