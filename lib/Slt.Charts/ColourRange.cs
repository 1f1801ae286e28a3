namespace Slt.Charts;

/// <summary>
/// The colour range of a heatmap. On a coarse grid (a sweep) one far-out cell (a diverged setting) must not set the
/// scale for all the others: values beyond Tukey's far-out fences, q₁ − 3·IQR and q₃ + 3·IQR, are left out of the range
/// (their cells take the end colour and are marked ▲ above, ▼ below) as long as they are few (at most a quarter of the
/// cells). Values of both signs get a diverging scale centred on zero; others a sequential one.
/// </summary>
/// <param name="Min">Bottom of the colour scale.</param>
/// <param name="Max">Top of the colour scale.</param>
/// <param name="Diverging">Values of both signs: the scale is symmetric about zero.</param>
/// <param name="Clipped">Whether any value lies outside [Min, Max].</param>
internal sealed record ColourRange(double Min, double Max, bool Diverging, bool Clipped)
{
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
            double q1 = Quantile(finite, 0.25), q3 = Quantile(finite, 0.75), iqr = q3 - q1;
            if (iqr > 0)
            {
                double lowFence = q1 - 3 * iqr, highFence = q3 + 3 * iqr;
                var inside = finite.Where(v => v >= lowFence && v <= highFence).ToArray();
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
