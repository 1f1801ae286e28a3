using Slt.Transitions;

namespace Slt.Tests.Transitions;

/// <summary>Stage boundaries as significant critical points: found where a curve turns by more than z combined
/// standard errors, and only there.</summary>
public sealed class TrainingStagesTests
{
    private static readonly int[] Steps = [1, 2, 4, 8, 16, 32, 64, 128, 256];

    [Fact]
    public void APeakAndALaterTroughAreFoundAtTheirSteps()
    {
        double[] y = [1, 2, 5, 9, 6, 3, 2.5, 4, 7];
        double[] se = Enumerable.Repeat(0.3, y.Length).ToArray();
        var b = TrainingStages.CriticalPoints("llc", Steps, y, se);
        Assert.Equal(2, b.Count);
        Assert.Equal((8, CriticalPointKind.Peak), (b[0].Step, b[0].Kind));
        Assert.Equal((64, CriticalPointKind.Trough), (b[1].Step, b[1].Kind));
        Assert.Equal(8, b[0].Rise, 12);      // from the start (1) up to 9
        Assert.Equal(6.5, b[0].Fall, 12);    // down to the trough 2.5
        Assert.Equal(3 * Math.Sqrt(0.18), b[0].Threshold, 12);
    }

    [Fact]
    public void WigglesWithinTheNoiseAreNotBoundaries()
    {
        // A rising curve with a dip of 2 combined standard errors: not significant at z = 3, significant at z = 1.5.
        double se = 0.5, dip = 2 * Math.Sqrt(2) * se;
        double[] y = [0, 1, 2, 3, 3 - dip, 4, 5, 6, 7];
        double[] s = Enumerable.Repeat(se, y.Length).ToArray();
        Assert.Empty(TrainingStages.CriticalPoints("llc", Steps, y, s, z: 3));
        var loose = TrainingStages.CriticalPoints("llc", Steps, y, s, z: 1.5);
        Assert.Equal([8, 16], loose.Select(b => b.Step).ToArray());
    }

    [Fact]
    public void MonotoneAndFlatNoisyCurvesHaveNoBoundary()
    {
        Assert.Empty(TrainingStages.CriticalPoints("loss", Steps, [9, 8, 7, 6, 5, 4, 3, 2, 1], new double[9]));
        var rng = new Random(3);
        int falsePeaks = Enumerable.Range(0, 200).Count(t =>
        {
            double[] y = Steps.Select(_ => 0.1 * Normal(rng)).ToArray();
            return TrainingStages.CriticalPoints("flat", Steps, y, Enumerable.Repeat(0.1, 9).ToArray()).Count > 0;
        });
        Assert.True(falsePeaks < 20, $"{falsePeaks} of 200 flat noisy curves had a boundary at z = 3.");
    }

    [Fact]
    public void DivergentPointsAreSkipped()
    {
        double[] y = [1, 2, double.NaN, 9, 6, 3, 2, 2, 2];
        var b = TrainingStages.CriticalPoints("llc", Steps, y, Enumerable.Repeat(0.3, 9).ToArray());
        Assert.Equal(8, Assert.Single(b).Step);
    }

    [Fact]
    public void BadInputIsRefusedByName()
    {
        Assert.Contains("same length", Assert.Throws<ArgumentException>(() => TrainingStages.CriticalPoints("x", Steps, new double[3], new double[9])).Message);
        Assert.Contains("increase", Assert.Throws<ArgumentException>(() => TrainingStages.CriticalPoints("x", [1, 1, 2], new double[3], new double[3])).Message);
        Assert.Contains("negative", Assert.Throws<ArgumentException>(() => TrainingStages.CriticalPoints("x", [1, 2, 3], new double[3], [0, -1, 0])).Message);
        Assert.Contains("z must be positive", Assert.Throws<ArgumentException>(() => TrainingStages.CriticalPoints("x", [1, 2, 3], new double[3], new double[3], z: 0)).Message);
    }

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
