using System.Text.Json;
using System.Text.Json.Serialization;

namespace Slt.Presentation;

/// <summary>
/// A chart as plain data: what a result wants drawn, with no dependency on a plotting library. Results build
/// figures; <c>Slt.Charts</c> draws them with Plotly.NET (in its own load context inside notebook kernels).
/// Crosses assembly-load-context boundaries as JSON (<see cref="ToJson"/> / <see cref="FromJson"/>).
/// </summary>
/// <remarks>
/// The renderer's conventions (docs/charts.md) apply to every figure without asking: the chart fills the width of
/// its container, the legend sits below the plot, <c>_x</c>/<c>^x</c> in titles and names become sub- and
/// superscripts, an axis that holds a few values (a sweep's grid) is labelled at those values only, heatmaps of a
/// coarse grid are drawn on categorical axes with each cell's value written in it, and a colour scale is not
/// stretched by one far-out cell (it is clipped, and the cell marked ▲ or ▼).
/// </remarks>
/// <param name="Title">Shown above the plot.</param>
/// <param name="Traces">The series, drawn in order (later ones on top).</param>
/// <param name="X">The horizontal axis.</param>
/// <param name="Y">The vertical axis.</param>
/// <param name="Width">Pixels; null (the default) to fill the container's width.</param>
/// <param name="Height">Pixels; null for the renderer's default (460 for one chart).</param>
public sealed record Figure(string Title, IReadOnlyList<Trace> Traces, Axis X, Axis Y, int? Width = null, int? Height = null)
{
    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Reference lines and spans drawn over the traces, each labelled on the plot (an exact value, a burn-in).</summary>
    public IReadOnlyList<Mark>? Marks { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static Figure FromJson(string json) =>
        JsonSerializer.Deserialize<Figure>(json, JsonOptions) ?? throw new InvalidDataException("A figure's JSON was empty.");

    /// <summary>Places figures side by side in a grid (rendered as a subplot grid).</summary>
    public static FigureGrid Grid(int columns, params Figure[] figures) => new(columns, figures);
}

/// <summary>Several figures laid out in <paramref name="Columns"/> columns.</summary>
public sealed record FigureGrid(int Columns, IReadOnlyList<Figure> Figures)
{
    public string ToJson() => JsonSerializer.Serialize(this, Figure.JsonOptions);

    public static FigureGrid FromJson(string json) =>
        JsonSerializer.Deserialize<FigureGrid>(json, Figure.JsonOptions) ?? throw new InvalidDataException("A figure grid's JSON was empty.");
}

/// <summary>An axis: its label (with the unit, e.g. <c>K^l (nats)</c>), whether it is logarithmic, its range, and
/// optionally the only values to label.</summary>
/// <param name="Title">The label; <c>_x</c>, <c>_{xy}</c>, <c>^x</c>, <c>^{xy}</c> are drawn as sub- and superscripts.</param>
/// <param name="Log">A logarithmic axis.</param>
/// <param name="Min">Lower end of the range (null: from the data).</param>
/// <param name="Max">Upper end of the range (null: from the data).</param>
/// <param name="Ticks">The values to label, e.g. the grid of a sweep; null for the renderer's choice (which, when every
/// trace holds the same few values, is those values).</param>
public sealed record Axis(string Title, bool Log = false, double? Min = null, double? Max = null, double[]? Ticks = null);

/// <summary>How much a line stands out.</summary>
public enum Emphasis
{
    /// <summary>An ordinary series.</summary>
    Normal,
    /// <summary>The series the chart is about (an estimate): a thicker line, drawn above the others.</summary>
    Strong,
}

/// <summary>One series of a figure.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(LineTrace), "line")]
[JsonDerivedType(typeof(ScatterTrace), "scatter")]
[JsonDerivedType(typeof(BarTrace), "bar")]
[JsonDerivedType(typeof(HeatmapTrace), "heatmap")]
[JsonDerivedType(typeof(BundleTrace), "bundle")]
public abstract record Trace(string Name);

/// <summary>y against x joined by lines, with optional error bars (±<paramref name="ErrorY"/>) and markers.</summary>
public sealed record LineTrace(string Name, double[] X, double[] Y, double[]? ErrorY = null, bool Markers = false, bool Dashed = false,
    Emphasis Emphasis = Emphasis.Normal) : Trace(Name);

/// <summary>Points without lines; <paramref name="Color"/> optionally colours each point by a value.</summary>
public sealed record ScatterTrace(string Name, double[] X, double[] Y, double[]? Color = null, double[]? ErrorY = null) : Trace(Name);

/// <summary>Bars at categorical positions.</summary>
public sealed record BarTrace(string Name, string[] Categories, double[] Values, double[]? ErrorY = null) : Trace(Name);

/// <summary>A grid of values: <c>Z[i][j]</c> is drawn at (<c>X[j]</c>, <c>Y[i]</c>); NaN leaves a cell empty.</summary>
/// <param name="Name">The series' name.</param>
/// <param name="X">The grid's columns.</param>
/// <param name="Y">The grid's rows.</param>
/// <param name="Z">The values, one row per <paramref name="Y"/>.</param>
/// <param name="ColorbarTitle">The colour bar's label (the quantity).</param>
/// <param name="Notes">Optional words per cell, written under its value (e.g. <c>divergent</c>, <c>★ recommended</c>);
/// null or an empty string for none.</param>
public sealed record HeatmapTrace(string Name, double[] X, double[] Y, double[][] Z, string? ColorbarTitle = null, string?[][]? Notes = null) : Trace(Name);

/// <summary>
/// Many realizations of one series (the chains of a sampler): drawn thin and faint, behind the other traces, with
/// one legend entry for all of them. <c>Ys[c][k]</c> is realization c at <c>X[k]</c>.
/// </summary>
public sealed record BundleTrace(string Name, double[] X, double[][] Ys) : Trace(Name);

/// <summary>Something drawn over the traces and labelled on the plot itself.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(HorizontalLine), "hline")]
[JsonDerivedType(typeof(VerticalLine), "vline")]
[JsonDerivedType(typeof(XSpan), "xspan")]
public abstract record Mark(string Label);

/// <summary>A dashed line across the plot at y = <paramref name="Y"/> (a known value), labelled at its right end.</summary>
public sealed record HorizontalLine(string Label, double Y) : Mark(Label);

/// <summary>A dashed line across the plot at x = <paramref name="X"/> (a threshold), labelled at its top.</summary>
public sealed record VerticalLine(string Label, double X) : Mark(Label);

/// <summary>A shaded span of the horizontal axis from <paramref name="From"/> to <paramref name="To"/> (a burn-in), labelled inside.</summary>
public sealed record XSpan(string Label, double From, double To) : Mark(Label);
