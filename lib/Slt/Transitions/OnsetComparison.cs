using Microsoft.Data.Analysis;

namespace Slt.Transitions;

/// <summary>
/// One recognition onset beside the LLC trajectory: the stage boundaries that fall in or next to its interval, and how
/// much the family's data-restricted λ̂_f and the whole's λ̂ moved across it.
/// </summary>
/// <param name="Family">The family.</param>
/// <param name="Class">The frequency class (all, head, tail) or the fitted map's task.</param>
/// <param name="Measure">What crossed: the gain, the context's effect, …</param>
/// <param name="Criterion">The threshold.</param>
/// <param name="Onset">The interval (after, at].</param>
/// <param name="Boundaries">Stage boundaries (any curve) at a checkpoint from the one before <c>after</c> to the one after <c>at</c>, as "curve kind@step".</param>
/// <param name="FamilyLlcChange">λ̂_f(at) − λ̂_f(after); null without per-family estimates or where divergent.</param>
/// <param name="FamilyLlcZ">That change over its combined standard error.</param>
/// <param name="WholeLlcChange">λ̂(at) − λ̂(after) of the whole sample.</param>
/// <param name="WholeLlcZ">That change over its combined standard error.</param>
public sealed record OnsetComparison(string Family, string Class, string Measure, string Criterion, Onset Onset, IReadOnlyList<string> Boundaries,
    double? FamilyLlcChange, double? FamilyLlcZ, double? WholeLlcChange, double? WholeLlcZ)
{
    /// <summary>One line: the onset, the λ̂ moves across it (or that an end has no estimate), the boundaries nearby.</summary>
    public string Summary()
    {
        string moves = FamilyLlcChange is double f && WholeLlcChange is double w
            ? FormattableString.Invariant($"λ̂_f moves {f:+0.00;-0.00} ({FamilyLlcZ:+0.0;-0.0} se), λ̂ {w:+0.00;-0.00} ({WholeLlcZ:+0.0;-0.0} se)")
            : WholeLlcChange is double w2
                ? FormattableString.Invariant($"λ̂_f not estimated at both ends, λ̂ {w2:+0.00;-0.00} ({WholeLlcZ:+0.0;-0.0} se)")
                : "no λ̂ at both ends (divergent there)";
        return $"{Family,-7} {Class,-5} {Criterion} onset {Onset}: {moves}; boundaries nearby: {(Boundaries.Count == 0 ? "none" : string.Join(", ", Boundaries))}";
    }

    /// <summary>Every onset that was found (interval with both ends), against the trajectory's stages and λ̂ curves.</summary>
    /// <param name="onsets">From <see cref="ContextRecognition.Onsets"/>.</param>
    /// <param name="trajectory">The LLC trajectory of the same run.</param>
    /// <param name="z">Significance of the stage boundaries.</param>
    /// <exception cref="ArgumentException">An onset's steps are not checkpoints of the trajectory (not the same run).</exception>
    public static IReadOnlyList<OnsetComparison> Compare(IReadOnlyList<OnsetRow> onsets, LlcTrajectory trajectory, double z = TrainingStages.DefaultZ)
    {
        ArgumentNullException.ThrowIfNull(onsets);
        ArgumentNullException.ThrowIfNull(trajectory);
        int[] steps = trajectory.Steps;
        var stages = trajectory.Stages(z);
        var rows = new List<OnsetComparison>();
        foreach (var o in onsets)
        {
            if (o.Onset.After is not int after || o.Onset.At is not int at) continue;
            int i = Array.IndexOf(steps, after), j = Array.IndexOf(steps, at);
            if (i < 0 || j < 0)
                throw new ArgumentException($"The onset ({after}, {at}] of {o.FamilyName} is not between checkpoints of the trajectory ({string.Join(", ", steps)}): not the same run.", nameof(onsets));
            int from = steps[Math.Max(0, i - 1)], to = steps[Math.Min(steps.Length - 1, j + 1)];
            var near = stages.Where(b => b.Step >= from && b.Step <= to).Select(b => $"{b.Curve} {b.Kind.ToString().ToLowerInvariant()}@{b.Step}").ToArray();
            var (a, b) = (trajectory.Points[i], trajectory.Points[j]);
            int f = trajectory.FamilyNames.ToList().IndexOf(o.FamilyName);
            (double? Change, double? Z) Move(Estimators.LlcSummary? x, Estimators.LlcSummary? y)
            {
                if (x?.Mean is not double mx || y?.Mean is not double my || x.StandardError is not double sx || y.StandardError is not double sy) return (null, null);
                double se = Math.Sqrt(sx * sx + sy * sy);
                return (my - mx, se > 0 ? (my - mx) / se : null);
            }
            var family = f >= 0 && a.Families.Count > f && b.Families.Count > f ? Move(a.Families[f], b.Families[f]) : (null, null);
            var whole = Move(a.Whole, b.Whole);
            rows.Add(new OnsetComparison(o.FamilyName, o.Class, o.Measure, o.Criterion, o.Onset, near, family.Change, family.Z, whole.Change, whole.Z));
        }
        return rows;
    }

    /// <summary>One row per onset: family, class, measure, onset, nearby stage boundaries, λ̂_f and λ̂ changes with their z.</summary>
    public static DataFrame ToDataFrame(IReadOnlyList<OnsetComparison> rows) => new(
        new StringDataFrameColumn("family", rows.Select(r => r.Family)),
        new StringDataFrameColumn("class", rows.Select(r => r.Class)),
        new StringDataFrameColumn("measure", rows.Select(r => r.Measure)),
        new StringDataFrameColumn("onset", rows.Select(r => r.Onset.ToString())),
        new StringDataFrameColumn("stage boundaries nearby", rows.Select(r => r.Boundaries.Count == 0 ? "none" : string.Join("; ", r.Boundaries))),
        new DoubleDataFrameColumn("family llc change", rows.Select(r => r.FamilyLlcChange)),
        new DoubleDataFrameColumn("family llc z", rows.Select(r => r.FamilyLlcZ)),
        new DoubleDataFrameColumn("whole llc change", rows.Select(r => r.WholeLlcChange)),
        new DoubleDataFrameColumn("whole llc z", rows.Select(r => r.WholeLlcZ)));
}
