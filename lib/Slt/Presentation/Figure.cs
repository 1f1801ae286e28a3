using System.Text.Json;
using System.Text.Json.Serialization;

namespace Slt.Presentation;

/// <summary>
/// A chart as plain data: what a result wants drawn, with no dependency on a plotting library. Results build
/// figures; <c>Slt.Charts</c> draws them with Plotly.NET (in its own load context inside notebook kernels).
/// Crosses assembly-load-context boundaries as JSON (<see cref="ToJson"/> / <see cref="FromJson"/>).
/// </summary>
/// <param name="Title">Shown above the plot.</param>
/// <param name="Traces">The series, drawn in order.</param>
/// <param name="X">The horizontal axis.</param>
/// <param name="Y">The vertical axis.</param>
/// <param name="Width">Pixels; null for the renderer's default.</param>
/// <param name="Height">Pixels; null for the renderer's default.</param>
public sealed record Figure(string Title, IReadOnlyList<Trace> Traces, Axis X, Axis Y, int? Width = null, int? Height = null)
{
    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

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

/// <summary>An axis: its label, and whether it is logarithmic.</summary>
public sealed record Axis(string Title, bool Log = false, double? Min = null, double? Max = null);

/// <summary>One series of a figure.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(LineTrace), "line")]
[JsonDerivedType(typeof(ScatterTrace), "scatter")]
[JsonDerivedType(typeof(BarTrace), "bar")]
[JsonDerivedType(typeof(HeatmapTrace), "heatmap")]
public abstract record Trace(string Name);

/// <summary>y against x joined by lines, with optional error bars (±<paramref name="ErrorY"/>) and markers.</summary>
public sealed record LineTrace(string Name, double[] X, double[] Y, double[]? ErrorY = null, bool Markers = false, bool Dashed = false) : Trace(Name);

/// <summary>Points without lines; <paramref name="Color"/> optionally colours each point by a value.</summary>
public sealed record ScatterTrace(string Name, double[] X, double[] Y, double[]? Color = null, double[]? ErrorY = null) : Trace(Name);

/// <summary>Bars at categorical positions.</summary>
public sealed record BarTrace(string Name, string[] Categories, double[] Values, double[]? ErrorY = null) : Trace(Name);

/// <summary>A grid of values: <c>Z[i][j]</c> is drawn at (<c>X[j]</c>, <c>Y[i]</c>).</summary>
public sealed record HeatmapTrace(string Name, double[] X, double[] Y, double[][] Z, string? ColorbarTitle = null) : Trace(Name);
