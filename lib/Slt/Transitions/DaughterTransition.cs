using Microsoft.Data.Analysis;

namespace Slt.Transitions;

/// <summary>
/// A type-B candidate (the seminar's last board): one family's data-restricted λ̂_f has a stage boundary at a
/// checkpoint, and over the same checkpoints (the one before to the one after) the other family's λ̂_g is flat — it
/// moves by at most z combined standard errors at each step — so one daughter changes phase while the other's phase
/// is fixed. Beside it, what the whole's λ̂ does over the same checkpoints.
/// </summary>
/// <param name="Family">The family whose curve turns.</param>
/// <param name="Step">The step of its critical point.</param>
/// <param name="Kind">Peak or trough.</param>
/// <param name="From">The checkpoint before.</param>
/// <param name="To">The checkpoint after.</param>
/// <param name="FamilyChanges">λ̂_f's change into and out of the critical point.</param>
/// <param name="Other">The other family.</param>
/// <param name="OtherChanges">λ̂_g's changes over the same two intervals.</param>
/// <param name="OtherLargestZ">The larger of |change| / combined se of those two changes.</param>
/// <param name="OtherFlat">Whether both changes are within z combined standard errors.</param>
/// <param name="WholeChanges">The whole's λ̂ changes over the same two intervals.</param>
/// <param name="WholeLargestZ">The larger of |change| / combined se of the whole's two changes.</param>
public sealed record DaughterTransition(string Family, int Step, CriticalPointKind Kind, int From, int To, (double In, double Out) FamilyChanges,
    string Other, (double In, double Out) OtherChanges, double OtherLargestZ, bool OtherFlat, (double In, double Out) WholeChanges, double WholeLargestZ)
{
    /// <summary>One sentence with the numbers.</summary>
    public string Summary() => FormattableString.Invariant(
        $"{Family}: λ̂ {Kind.ToString().ToLowerInvariant()} at step {Step} (changes {FamilyChanges.In:+0.00;-0.00}, {FamilyChanges.Out:+0.00;-0.00} over steps {From}–{To}); ") +
        FormattableString.Invariant($"{Other} moves {OtherChanges.In:+0.00;-0.00}, {OtherChanges.Out:+0.00;-0.00} (largest {OtherLargestZ:F1} se: {(OtherFlat ? "flat" : "not flat")}); ") +
        FormattableString.Invariant($"the whole moves {WholeChanges.In:+0.00;-0.00}, {WholeChanges.Out:+0.00;-0.00} (largest {WholeLargestZ:F1} se)") +
        (OtherFlat ? " → type B candidate." : " → both daughters move: not type B.");

    /// <summary>Every family's stage boundaries, each checked against the other family (two families).</summary>
    /// <param name="trajectory">A trajectory with per-family estimates.</param>
    /// <param name="z">Significance of a boundary and flatness threshold, in combined standard errors.</param>
    /// <exception cref="ArgumentException">The trajectory has no per-family estimates, or not two families.</exception>
    public static IReadOnlyList<DaughterTransition> Find(LlcTrajectory trajectory, double z = TrainingStages.DefaultZ)
    {
        ArgumentNullException.ThrowIfNull(trajectory);
        if (trajectory.FamilyNames.Count != 2 || trajectory.Points.Any(p => p.Families.Count != 2))
            throw new ArgumentException("Type-B candidates need a trajectory with both families' data-restricted λ̂ (LlcTrajectorySettings.PerFamily, two families).", nameof(trajectory));
        var trained = trajectory.Points.Where(p => p.Step > 0).ToArray();
        var found = new List<DaughterTransition>();
        foreach (var b in trajectory.Stages(z))
        {
            int f = trajectory.FamilyNames.ToList().FindIndex(n => b.Curve == $"{n} llc");
            if (f < 0) continue;
            int g = 1 - f;
            int i = Array.FindIndex(trained, p => p.Step == b.Step);
            if (i <= 0 || i >= trained.Length - 1) continue;
            (double, double, double) Changes(Func<LlcTrajectoryPoint, Estimators.LlcSummary> pick)
            {
                var (a, m, c) = (pick(trained[i - 1]), pick(trained[i]), pick(trained[i + 1]));
                double In = (m.Mean ?? double.NaN) - (a.Mean ?? double.NaN), Out = (c.Mean ?? double.NaN) - (m.Mean ?? double.NaN);
                double zIn = Math.Abs(In) / Combined(a, m), zOut = Math.Abs(Out) / Combined(m, c);
                return (In, Out, Math.Max(zIn, zOut));
            }
            var (fi, fo, _) = Changes(p => p.Families[f]);
            var (gi, go, gz) = Changes(p => p.Families[g]);
            var (wi, wo, wz) = Changes(p => p.Whole);
            found.Add(new DaughterTransition(trajectory.FamilyNames[f], b.Step, b.Kind, trained[i - 1].Step, trained[i + 1].Step, (fi, fo),
                trajectory.FamilyNames[g], (gi, go), gz, gz <= z, (wi, wo), wz));
        }
        return found;
    }

    private static double Combined(Estimators.LlcSummary a, Estimators.LlcSummary b) =>
        Math.Sqrt(Math.Pow(a.StandardError ?? double.NaN, 2) + Math.Pow(b.StandardError ?? double.NaN, 2));

    /// <summary>One row per candidate.</summary>
    public static DataFrame ToDataFrame(IReadOnlyList<DaughterTransition> transitions) => new(
        new StringDataFrameColumn("family", transitions.Select(t => t.Family)),
        new PrimitiveDataFrameColumn<int>("step", transitions.Select(t => t.Step)),
        new StringDataFrameColumn("kind", transitions.Select(t => t.Kind.ToString().ToLowerInvariant())),
        new StringDataFrameColumn("steps", transitions.Select(t => $"{t.From}–{t.To}")),
        new DoubleDataFrameColumn("change_in", transitions.Select(t => t.FamilyChanges.In)),
        new DoubleDataFrameColumn("change_out", transitions.Select(t => t.FamilyChanges.Out)),
        new StringDataFrameColumn("other", transitions.Select(t => t.Other)),
        new DoubleDataFrameColumn("other_in", transitions.Select(t => t.OtherChanges.In)),
        new DoubleDataFrameColumn("other_out", transitions.Select(t => t.OtherChanges.Out)),
        new DoubleDataFrameColumn("other_largest_z", transitions.Select(t => t.OtherLargestZ)),
        new BooleanDataFrameColumn("other_flat", transitions.Select(t => t.OtherFlat)),
        new DoubleDataFrameColumn("whole_in", transitions.Select(t => t.WholeChanges.In)),
        new DoubleDataFrameColumn("whole_out", transitions.Select(t => t.WholeChanges.Out)),
        new DoubleDataFrameColumn("whole_largest_z", transitions.Select(t => t.WholeLargestZ)));
}
