using System.Reflection;
using System.Runtime.Loader;

namespace Slt.Workbook;

/// <summary>
/// The load context of the chart layer: Slt.Charts, Plotly.NET and the FSharp.Core 10.1 it needs, loaded from this
/// assembly's resources (<c>charts/NAME.dll</c>) so that they never collide with a host's own FSharp.Core (the
/// notebook kernels load 10.0 at start; docs/platform.md §2). Everything else (System.*) comes from the default context.
/// </summary>
internal sealed class ChartLoadContext : AssemblyLoadContext
{
    private const string Prefix = "charts/";
    private static readonly Lazy<ChartFunctions> Shared = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    private ChartLoadContext() : base("Slt.Charts", isCollectible: false) { }

    /// <summary>The chart layer's entry points, loaded once per process.</summary>
    public static ChartFunctions Functions => Shared.Value;

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        using var stream = typeof(ChartLoadContext).Assembly.GetManifestResourceStream(Prefix + assemblyName.Name + ".dll");
        return stream is null ? null : LoadFromStream(stream);
    }

    private static ChartFunctions Create()
    {
        var context = new ChartLoadContext();
        var assembly = context.LoadFromAssemblyName(new AssemblyName("Slt.Charts"));
        var type = assembly.GetType("Slt.Charts.PlotlyFigure", throwOnError: true)!;
        Func<string, string> Unary(string name) => Wrap(type.GetMethod(name, [typeof(string)])!.CreateDelegate<Func<string, string>>());
        Func<string> Nullary(string name) => type.GetMethod(name, Type.EmptyTypes)!.CreateDelegate<Func<string>>();
        return new ChartFunctions(Unary("FigureToPlotlyJson"), Unary("GridToPlotlyJson"),
            Nullary("PlotlyJsSource"), Nullary("PlotlyJsVersion"), Nullary("PlotlyJsLicense"));
    }

    /// <summary>
    /// Exceptions of the base library (ArgumentException, ...) pass as they are; any other crosses the boundary as an
    /// InvalidOperationException with its message (a type from the chart context is not catchable by name outside).
    /// </summary>
    private static Func<string, string> Wrap(Func<string, string> f) => json =>
    {
        try { return f(json); }
        catch (Exception e) when (e.GetType().Assembly != typeof(object).Assembly)
        {
            throw new InvalidOperationException($"The chart layer could not draw the figure: {e.GetType().Name}: {e.Message}", e);
        }
    };
}

/// <summary>The string-in, string-out entry points of Slt.Charts.</summary>
internal sealed record ChartFunctions(
    Func<string, string> FigureToPlotlyJson,
    Func<string, string> GridToPlotlyJson,
    Func<string> PlotlyJsSource,
    Func<string> PlotlyJsVersion,
    Func<string> PlotlyJsLicense);
