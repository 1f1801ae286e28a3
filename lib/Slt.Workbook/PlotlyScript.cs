namespace Slt.Workbook;

/// <summary>
/// plotly.js as shipped inside Plotly.NET (no CDN, no network), and the rule that decides which chart fragment
/// carries it: the first chart after <see cref="Notebook.Initialize"/> (or the first in the process), so that a
/// notebook's outputs hold the script once and every later chart on the same page finds <c>window.Plotly</c>.
/// </summary>
public static class PlotlyScript
{
    /// <summary>The attribute that marks the script element holding plotly.js (write-ups hoist it into the page head).</summary>
    public const string MarkerAttribute = "data-slt-plotly";

    private static int _emitted;

    /// <summary>The plotly.js source (minified, about 3.6 MB).</summary>
    public static string Source => _source.Value;

    /// <summary>The plotly.js version, e.g. <c>2.28.0</c>.</summary>
    public static string Version => ChartLoadContext.Functions.PlotlyJsVersion();

    /// <summary>plotly.js' licence notice (MIT), for pages that embed it.</summary>
    public static string License => ChartLoadContext.Functions.PlotlyJsLicense();

    private static readonly Lazy<string> _source = new(() => ChartLoadContext.Functions.PlotlyJsSource());

    /// <summary>A script element holding plotly.js, marked with <see cref="MarkerAttribute"/>.</summary>
    public static string ScriptElement() =>
        $"<script type=\"text/javascript\" {MarkerAttribute}=\"{Version}\">{Source}</script>";

    /// <summary>True the first time it is called after <see cref="Reset"/> (and once per process).</summary>
    internal static bool ClaimInclusion() => Interlocked.Exchange(ref _emitted, 1) == 0;

    /// <summary>The next chart fragment will carry plotly.js again (a new notebook or a new page).</summary>
    public static void Reset() => Interlocked.Exchange(ref _emitted, 0);
}
