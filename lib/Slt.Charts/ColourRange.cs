namespace Slt.Charts;

/// <summary>
/// The colour range of a heatmap. On a coarse grid (a sweep) one or two far-out cells (diverged settings) must not set
/// the scale for all the others: a value further from the median than <see cref="Fence"/> robust standard deviations
/// (1.4826 × the median absolute deviation) is left out of the range, as long as such values are few (at most a quarter of
/// the cells); its cell takes the end colour and is marked ▲ above, ▼ below. Values of both signs get a diverging scale
/// centred on zero; others a sequential one.
/// </summary>
/// <param name="Min">Bottom of the colour scale.</param>
/// <param name="Max">Top of the colour scale.</param>
/// <param name="Diverging">Values of both signs: the scale is symmetric about zero.</param>
/// <param name="Clipped">Whether any value lies outside [Min, Max].</param>
internal sealed record ColourRange(double Min, double Max, bool Diverging, bool Clipped)
{
    /// <summary>How many robust standard deviations from the median a value may lie and still set the scale.</summary>
    public const double Fence = 5;

    /// <summary>Viridis: sequential, readable in grey, and for colour-blind readers.</summary>
    public const string Sequential = "Viridis";

    /// <summary>Blue (negative), white (zero), red (positive).</summary>
    public static readonly object[][] DivergingScale = [[0.0, "#2166ac"], [0.25, "#92c5de"], [0.5, "#f7f7f7"], [0.75, "#f4a582"], [1.0, "#b2182b"]];

    /// <summary>The range of the finite values; with <paramref name="clipOutliers"/>, without far-out ones. Null when there is none.</summary>
    public static ColourRange? Of(IEnumerable<double> values, bool clipOutliers)
    {
        var finite = values.Where(double.IsFinite).OrderBy(v => v).ToArray();
        if (finite.Length == 0) return null;
        double lo = finite[0], hi = finite[^1];
        if (clipOutliers && finite.Length >= 5)
        {
            double median = Quantile(finite, 0.5);
            double spread = 1.4826 * Quantile(finite.Select(v => Math.Abs(v - median)).OrderBy(v => v).ToArray(), 0.5);
            if (spread > 0)
            {
                var inside = finite.Where(v => Math.Abs(v - median) <= Fence * spread).ToArray();
                if (inside.Length > 0 && finite.Length - inside.Length <= finite.Length / 4) { lo = inside[0]; hi = inside[^1]; }
            }
        }
        bool clipped = finite[0] < lo || finite[^1] > hi;
        bool diverging = lo < 0 && hi > 0;
        if (diverging)
        {
            double m = Math.Max(-lo, hi);
            return new ColourRange(-m, m, true, clipped);
        }
        if (lo == hi) { lo -= 0.5 * Math.Max(Math.Abs(lo), 1); hi += 0.5 * Math.Max(Math.Abs(hi), 1); }
        return new ColourRange(lo, hi, false, clipped);
    }

    /// <summary>▲ for a value above the scale, ▼ below, empty inside.</summary>
    public string Marker(double value) => !double.IsFinite(value) ? "" : value > Max ? "▲ " : value < Min ? "▼ " : "";

    private static double Quantile(double[] sorted, double p)
    {
        double h = (sorted.Length - 1) * p;
        int i = (int)Math.Floor(h);
        return i + 1 < sorted.Length ? sorted[i] + (h - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
    }
}
