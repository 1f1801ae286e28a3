using Microsoft.Data.Analysis;

namespace Slt.Transitions;

/// <summary>What kind of critical point a stage boundary is.</summary>
public enum CriticalPointKind
{
    /// <summary>A local maximum: the curve rose into it and fell after it, each by more than the noise allows.</summary>
    Peak,
    /// <summary>A local minimum: the curve fell into it and rose after it, each by more than the noise allows.</summary>
    Trough,
}

/// <summary>One stage boundary: a significant critical point of one curve over training.</summary>
/// <param name="Curve">Which curve: e.g. <c>llc</c>, <c>loss</c>, <c>garage llc</c>.</param>
/// <param name="Step">The checkpoint's training step at the extremum.</param>
/// <param name="Kind">Peak or trough.</param>
/// <param name="Value">The curve's value there.</param>
/// <param name="Rise">How far the curve moved into the extremum from the previous opposite extremum (or the start).</param>
/// <param name="Fall">How far it moved away afterwards, to the next opposite extremum (or the end).</param>
/// <param name="Threshold">The smaller of the two moves had to exceed this: z × the combined standard error of the two points.</param>
public sealed record StageBoundary(string Curve, int Step, CriticalPointKind Kind, double Value, double Rise, double Fall, double Threshold);

/// <summary>
/// Stage boundaries of a training trajectory, found as the critical points of its curves (Hoogland et al. 2024, arXiv
/// 2402.02364: developmental stages are separated by critical points of the LLC over training). A curve measured at a
/// few checkpoints with noise has many wiggles; a point counts as a critical point only when the curve moves towards it
/// and away from it each by more than z combined standard errors (a "zigzag" with a significance threshold): between
/// the extremum a and the point b that reverses it, |y_b − y_a| &gt; z √(se_a² + se_b²).
/// </summary>
public static class TrainingStages
{
    /// <summary>The default significance: z = 3 (a reversal that noise alone produces with probability ≈ 0.003 per pair).</summary>
    public const double DefaultZ = 3;

    /// <summary>The significant critical points of one curve, in training order.</summary>
    /// <param name="curve">Its label in the result.</param>
    /// <param name="steps">Checkpoint steps, increasing.</param>
    /// <param name="values">The curve at each step; NaN (a divergent estimate) is skipped.</param>
    /// <param name="standardErrors">Their standard errors (0 for an exact curve); NaN entries are skipped with their value.</param>
    /// <param name="z">How many combined standard errors a move must exceed.</param>
    /// <exception cref="ArgumentException">Lengths differ, steps do not increase, a standard error is negative or z ≤ 0.</exception>
    public static IReadOnlyList<StageBoundary> CriticalPoints(string curve, IReadOnlyList<int> steps, IReadOnlyList<double> values,
        IReadOnlyList<double> standardErrors, double z = DefaultZ)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(standardErrors);
        if (steps.Count != values.Count || steps.Count != standardErrors.Count)
            throw new ArgumentException($"steps ({steps.Count}), values ({values.Count}) and standard errors ({standardErrors.Count}) must have the same length.");
        if (!(z > 0) || !double.IsFinite(z)) throw new ArgumentException($"z must be positive, got {z}.", nameof(z));
        for (int i = 1; i < steps.Count; i++)
            if (steps[i] <= steps[i - 1]) throw new ArgumentException($"steps must increase: {steps[i - 1]} then {steps[i]}.", nameof(steps));
        var points = new List<(int Step, double Y, double Se)>();
        for (int i = 0; i < steps.Count; i++)
        {
            if (standardErrors[i] < 0) throw new ArgumentException($"standard error {standardErrors[i]} at step {steps[i]} is negative.", nameof(standardErrors));
            if (double.IsFinite(values[i]) && double.IsFinite(standardErrors[i])) points.Add((steps[i], values[i], standardErrors[i]));
        }
        if (points.Count < 3) return [];

        bool Significant((int Step, double Y, double Se) a, (int Step, double Y, double Se) b, out double threshold)
        {
            threshold = z * Math.Sqrt(a.Se * a.Se + b.Se * b.Se);
            return Math.Abs(b.Y - a.Y) > threshold;
        }

        // Turning points of the zigzag: where the first significant move starts, then each extremum confirmed by a
        // significant reversal. Until the first move, the lowest and highest points so far are both candidate origins.
        var turns = new List<int> { 0 };
        int direction = 0;          // +1 rising, −1 falling, 0 not yet known
        int extremum = 0;           // index of the running extremum since the last turn
        int low = 0, high = 0;
        for (int i = 1; i < points.Count; i++)
        {
            if (direction == 0)
            {
                if (points[i].Y > points[low].Y && Significant(points[low], points[i], out _)) { turns[0] = low; direction = +1; extremum = i; }
                else if (points[i].Y < points[high].Y && Significant(points[high], points[i], out _)) { turns[0] = high; direction = -1; extremum = i; }
                else
                {
                    if (points[i].Y < points[low].Y) low = i;
                    if (points[i].Y > points[high].Y) high = i;
                }
                continue;
            }
            bool further = direction > 0 ? points[i].Y > points[extremum].Y : points[i].Y < points[extremum].Y;
            if (further) { extremum = i; continue; }
            if (Significant(points[extremum], points[i], out _))
            {
                turns.Add(extremum);
                direction = -direction;
                extremum = i;
            }
        }
        turns.Add(extremum);

        var boundaries = new List<StageBoundary>();
        // Interior turns are the critical points; the first and last entries are the curve's ends.
        for (int t = 1; t < turns.Count - 1; t++)
        {
            var before = points[turns[t - 1]];
            var at = points[turns[t]];
            // The move after the extremum: to the next turn (or the curve's last point when the reversal is still running).
            var after = points[turns[t + 1]];
            double rise = at.Y - before.Y, fall = at.Y - after.Y;
            Significant(at, after, out double threshold);
            var kind = rise > 0 ? CriticalPointKind.Peak : CriticalPointKind.Trough;
            boundaries.Add(new StageBoundary(curve, at.Step, kind, at.Y, Math.Abs(rise), Math.Abs(fall), threshold));
        }
        return boundaries;
    }

    /// <summary>One row per boundary: curve, step, kind, value, rise, fall, threshold.</summary>
    public static DataFrame ToDataFrame(IReadOnlyList<StageBoundary> boundaries) => new(
        new StringDataFrameColumn("curve", boundaries.Select(b => b.Curve)),
        new PrimitiveDataFrameColumn<int>("step", boundaries.Select(b => b.Step)),
        new StringDataFrameColumn("kind", boundaries.Select(b => b.Kind.ToString().ToLowerInvariant())),
        new DoubleDataFrameColumn("value", boundaries.Select(b => b.Value)),
        new DoubleDataFrameColumn("rise", boundaries.Select(b => b.Rise)),
        new DoubleDataFrameColumn("fall", boundaries.Select(b => b.Fall)),
        new DoubleDataFrameColumn("threshold", boundaries.Select(b => b.Threshold)));
}
