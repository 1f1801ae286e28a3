using Slt.Diagnostics;
using Slt.Estimators;
using Slt.Transitions;

namespace Slt.Tests.Transitions;

/// <summary>Type-B candidates: a turn in one family's λ̂ while the other's stays within the noise.</summary>
public sealed class DaughterTransitionTests
{
    private static readonly int[] Steps = [0, 1, 2, 4, 8, 16, 32, 64];

    private static LlcSummary S(string name, double mean, double se = 0.5) =>
        new(name, 100, 20, 1000, 1.0, mean, se, [mean], 1.0, 200, 0.9, Trust.Caution, "use with care", 1);

    private static LlcTrajectory Synthetic(double[] garage, double[] zoo, double[] whole) =>
        new(LlcTrajectorySettings.Default, "synthetic", ["garage", "zoo"],
            Steps.Select((s, i) => new LlcTrajectoryPoint(s, 3.0 - 0.1 * i, 10, 0.1, [1.0, 0.5], 0.5, S("whole", whole[i]), [S("garage", garage[i]), S("zoo", zoo[i])])).ToArray(),
            1, false);

    [Fact]
    public void ATurnInOneDaughterWithTheOtherFlatIsACandidate()
    {
        double[] garage = [0, 2, 2.2, 2.1, 9, 3, 3.1, 3.0];      // a peak at step 8
        double[] zoo = [0, 5, 5.3, 5.1, 5.4, 5.2, 5.0, 5.1];       // flat within 0.5 √2 × 3
        double[] whole = [0, 7, 7.5, 7.2, 14, 8.2, 8.1, 8.1];
        var t = Assert.Single(DaughterTransition.Find(Synthetic(garage, zoo, whole)));
        Assert.Equal(("garage", 8, CriticalPointKind.Peak, 4, 16), (t.Family, t.Step, t.Kind, t.From, t.To));
        Assert.Equal((6.9, -6.0), (Math.Round(t.FamilyChanges.In, 10), Math.Round(t.FamilyChanges.Out, 10)));
        Assert.True(t.OtherFlat);
        Assert.Equal(0.3 / Math.Sqrt(0.5), t.OtherLargestZ, 10);
        Assert.Equal(6.8 / Math.Sqrt(0.5), t.WholeLargestZ, 10);
        Assert.Contains("type B candidate", t.Summary());
    }

    [Fact]
    public void WhenBothDaughtersTurnItIsNotTypeB()
    {
        double[] garage = [0, 2, 2.2, 2.1, 9, 3, 3.1, 3.0];
        double[] zoo = [0, 5, 5.3, 5.1, 8.5, 5.2, 5.0, 5.1];      // moves 3.4 = 4.8 combined se: not flat (and itself a peak)
        double[] whole = [0, 7, 7.5, 7.2, 17, 8.2, 8.1, 8.1];
        var found = DaughterTransition.Find(Synthetic(garage, zoo, whole));
        Assert.Equal(2, found.Count);
        Assert.All(found, t => Assert.False(t.OtherFlat));
        Assert.Equal(2, DaughterTransition.ToDataFrame(found).Rows.Count);
    }

    [Fact]
    public void NeedsBothFamilies()
    {
        var none = new LlcTrajectory(LlcTrajectorySettings.Default, "x", ["garage", "zoo"],
            Steps.Select(s => new LlcTrajectoryPoint(s, 1, 1, 0.1, [1.0], 0.5, S("whole", 1), [])).ToArray(), 1, false);
        Assert.Contains("both families", Assert.Throws<ArgumentException>(() => DaughterTransition.Find(none)).Message);
    }

    [Fact]
    public void AnOnsetIsComparedWithTheStagesAndTheLlcMovesAcrossIt()
    {
        double[] garage = [0, 2, 2.2, 2.1, 9, 3, 3.1, 3.0];
        double[] zoo = [0, 5, 5.3, 5.1, 5.4, 5.2, 5.0, 5.1];
        double[] whole = [0, 7, 7.5, 7.2, 14, 8.2, 8.1, 8.1];
        var trajectory = Synthetic(garage, zoo, whole);
        OnsetRow[] onsets =
        [
            new("garage", "head", "gain", "G − 3 se > 0.1", new Onset(4, 8, true)),
            new("zoo", "all", "gain", "G − 3 se > 0.1", new Onset(32, 64, true)),
            new("zoo", "tail", "gain", "G − 3 se > 0.5", new Onset(null, null, false)),   // no onset: no row
        ];
        var rows = OnsetComparison.Compare(onsets, trajectory);
        Assert.Equal(2, rows.Count);
        Assert.Contains("garage llc peak@8", rows[0].Boundaries);
        Assert.Equal(6.9, rows[0].FamilyLlcChange!.Value, 10);
        Assert.Equal(6.9 / Math.Sqrt(0.5), rows[0].FamilyLlcZ!.Value, 10);
        Assert.Equal(6.8, rows[0].WholeLlcChange!.Value, 10);
        Assert.Equal(0.1, rows[1].FamilyLlcChange!.Value, 10);   // zoo's λ̂ over (32, 64]
        Assert.DoesNotContain(rows[1].Boundaries, b => b.Contains("garage llc"));
        Assert.Equal(2, OnsetComparison.ToDataFrame(rows).Rows.Count);
        Assert.Contains("λ̂_f moves +6.90 (+9.8 se), λ̂ +6.80 (+9.6 se)", rows[0].Summary());
        Assert.Contains("not the same run", Assert.Throws<ArgumentException>(() =>
            OnsetComparison.Compare([new OnsetRow("zoo", "all", "gain", "x", new Onset(5, 7, true))], trajectory)).Message);
    }

    [Fact]
    public void TheDriftSignatureCountsCheckpointsWhereTheSteeperFamilyHasTheSmallerLlc()
    {
        GradientDriftRow R(int step, string data, double g, double? llc) => new(step, data, 20, g, 400 * g * g / 2000, llc);
        GradientDriftRow[] rows =
        [
            R(1, "whole", 3, 20), R(1, "garage", 5, 4), R(1, "zoo", 2, 9),     // steeper garage, smaller λ̂: agrees
            R(2, "whole", 3, 20), R(2, "garage", 1, 4), R(2, "zoo", 2, 9),     // steeper zoo, larger λ̂: does not
            R(3, "whole", 3, 20), R(3, "garage", 1, null), R(3, "zoo", 2, 9),  // divergent: not counted
        ];
        Assert.Equal((1, 2), GradientDrift.LargerGradientSmallerLlc(rows));
    }
}
