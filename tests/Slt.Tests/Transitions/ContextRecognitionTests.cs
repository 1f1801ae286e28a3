using Slt.Model;
using Slt.Platform;
using Slt.Transitions;
using Slt.Truth;
using static TorchSharp.torch;

namespace Slt.Tests.Transitions;

/// <summary>
/// Type A onsets: the head/tail split of the Zipf prior; the restricted captured gain G (exactly 1 for the Bayes
/// oracle in every family and class; a predictor with a too-peaked prior recognizes the head's tasks better than the
/// tail's, so a swapped split would fail); its delta-method standard error against the spread over evaluation seeds;
/// and the onset rule on synthetic curves.
/// </summary>
public sealed class ContextRecognitionTests
{
    private static readonly TrueDistribution Truth = new(CorpusSpec.Default);

    /// <summary>The Bayes mixture of the same tasks under a more peaked Zipf prior (α = 3 instead of 1): exact on the
    /// frequent tasks, slow to recognize the rare ones.</summary>
    private static BayesOracle PeakedPriorOracle() => new(new TrueDistribution(CorpusSpec.Default with { ZipfExponent = 3 }));

    [Fact]
    public void HeadIsTheFewestMostFrequentTasksCarryingHalfTheFamilysMass()
    {
        var classes = TaskFrequencyClass.HeadAndTail(Truth);
        Assert.Equal(2 * CorpusSpec.Default.Families.Count, classes.Count);
        foreach (var family in classes.GroupBy(c => c.Family))
        {
            var head = family.Single(c => c.Name == "head");
            var tail = family.Single(c => c.Name == "tail");
            var all = Truth.Tasks.Where(t => t.Family == family.Key).ToArray();
            Assert.Equal(all.Select(t => t.Index).Order(), head.Tasks.Concat(tail.Tasks).Order());
            double mass = all.Sum(t => t.Prior);
            double headMass = head.Tasks.Sum(k => Truth.Tasks[k].Prior);
            Assert.True(headMass >= 0.5 * mass, $"{head.FamilyName}: head mass {headMass / mass}");
            Assert.True(headMass - Truth.Tasks[head.Tasks[^1]].Prior < 0.5 * mass, "the head is not minimal");
            Assert.True(head.Tasks.Min(k => Truth.Tasks[k].Prior) >= tail.Tasks.Max(k => Truth.Tasks[k].Prior), "a tail task is more frequent than a head task");
            Assert.Equal(headMass / mass, head.PriorShare, 12);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => TaskFrequencyClass.HeadAndTail(Truth, 1.0));
    }

    [Fact]
    public void BayesOracleCapturesTheWholeGainInEveryFamilyAndClass()
    {
        TorchRuntime.Initialize(1);
        var oracle = new BayesOracle(Truth);
        var result = ContextRecognition.Measure(Truth, [0], _ => oracle, ContextRecognitionSettings.Default with { Windows = 512 });
        Assert.Equal(0.0, result.TaskSwitchShare);
        Assert.Equal(6, result.Rows.Count);
        foreach (var row in result.Rows)
        {
            Assert.Equal(1.0, row.Gain.Gain, 9);
            Assert.True(row.Gain.AvailableGain > 0.05, $"{row.FamilyName} {row.Class}: available gain {row.Gain.AvailableGain}");
        }
        foreach (var family in result.Rows.GroupBy(r => r.FamilyName))
            Assert.Equal(family.Single(r => r.Class == "all").Gain.Windows, family.Where(r => r.Class != "all").Sum(r => r.Gain.Windows));
        Assert.Equal(512, result.Rows.Where(r => r.Class == "all").Sum(r => r.Gain.Windows));
    }

    [Fact]
    public void APeakedPriorRecognizesTheHeadBetterThanTheTailSoASwappedSplitWouldFail()
    {
        TorchRuntime.Initialize(1);
        var result = ContextRecognition.Measure(Truth, [0], _ => PeakedPriorOracle(), ContextRecognitionSettings.Default with { Windows = 1024 });
        foreach (var family in result.Rows.GroupBy(r => r.FamilyName))
        {
            var head = family.Single(r => r.Class == "head").Gain;
            var tail = family.Single(r => r.Class == "tail").Gain;
            double se = Math.Sqrt(head.StandardError * head.StandardError + tail.StandardError * tail.StandardError);
            Assert.True(head.Gain - tail.Gain > 5 * se, $"{family.Key}: head {head.Gain:F3} ± {head.StandardError:F3}, tail {tail.Gain:F3} ± {tail.StandardError:F3}");
            Assert.True(tail.Gain < 1 - 3 * tail.StandardError, $"{family.Key}: tail {tail.Gain:F3}");
        }
    }

    [Fact]
    public void StandardErrorMatchesTheSpreadOverEvaluationSeeds()
    {
        TorchRuntime.Initialize(1);
        var oracle = PeakedPriorOracle();
        const int seeds = 16;
        var gains = new Dictionary<(string, string), List<double>>();
        var variances = new List<double>();
        for (int seed = 0; seed < seeds; seed++)
        {
            var result = ContextRecognition.Measure(Truth, [0], _ => oracle, ContextRecognitionSettings.Default with { Windows = 256, Seed = 100 + seed });
            foreach (var row in result.Rows.Where(r => r.Class != "all"))
            {
                if (!gains.TryGetValue((row.FamilyName, row.Class), out var list)) gains[(row.FamilyName, row.Class)] = list = [];
                list.Add(row.Gain.Gain);
                variances.Add(row.Gain.StandardError * row.Gain.StandardError);
            }
        }
        // Pooled over the four classes: 4 (seeds − 1) = 60 degrees of freedom, so the ratio's sd is about 1/√120 ≈ 0.09.
        double ss = gains.Values.Sum(g => g.Sum(x => (x - g.Average()) * (x - g.Average())));
        double empirical = Math.Sqrt(ss / (gains.Count * (seeds - 1)));
        double ratio = empirical / Math.Sqrt(variances.Average());
        Assert.InRange(ratio, 0.75, 1.3);
    }

    [Fact]
    public void ContextRecognitionFindsTheCheckpointWhereTheOracleReplacesAUniformGuess()
    {
        TorchRuntime.Initialize(1);
        var models = new INextTokenPredictor[] { new Uniform(Truth.Vocabulary.Count), new Uniform(Truth.Vocabulary.Count), new BayesOracle(Truth) };
        var result = ContextRecognition.Measure(Truth, [0, 10, 100], i => models[i], ContextRecognitionSettings.Default with { Windows = 256 });
        var onsets = result.Onsets();
        Assert.Equal(2 * 3 * 2, onsets.Count);
        foreach (var o in onsets)
        {
            Assert.Equal(10, o.Onset.After);
            Assert.Equal(100, o.Onset.At);
            Assert.Equal("(10, 100]", o.Onset.ToString());
        }
        Assert.Equal(6 * 3, result.ToDataFrame().Rows.Count);
        Assert.Equal(12, result.OnsetTable().Rows.Count);
        Assert.All(result.Rows.Where(r => r.Step < 100), r => Assert.True(r.Gain.Gain < 0, $"uniform guess G = {r.Gain.Gain}"));
        var figure = result.ToFigure();
        Assert.Equal(6, figure.Traces.Count);
        Assert.All(figure.Traces, t => Assert.Contains("onset (10, 100]", t.Name));
    }

    [Fact]
    public void OnsetRuleFindsAStepAtItsIntervalAndIgnoresNoiseBelowZ()
    {
        int[] steps = [0, 1, 2, 3, 6, 11, 21, 39, 71, 131];
        var se = Enumerable.Repeat(0.01, steps.Length).ToArray();
        // A step function from 0 to 0.6 at checkpoint 6 (step 21).
        var jump = steps.Select((_, i) => i >= 6 ? 0.6 : 0.0).ToArray();
        var onset = Onset.FirstCrossing(steps, jump, se, 0.1, 3);
        Assert.Equal((11, 21, true), (onset.After!.Value, onset.At!.Value, onset.Sustained));
        // A flat curve at the level's edge: 0.1 + 2.9 se never clears z = 3; 0.1 + 3.1 se does at the first checkpoint.
        var rng = new Random(5);
        var flat = steps.Select(_ => 0.1 + 2.9 * 0.01 * (rng.NextDouble() * 2 - 1)).ToArray();
        Assert.False(Onset.FirstCrossing(steps, flat, se, 0.1, 3).Found);
        Assert.Equal("none", Onset.FirstCrossing(steps, flat, se, 0.1, 3).ToString());
        var justAbove = steps.Select(_ => 0.1 + 3.1 * 0.01).ToArray();
        var first = Onset.FirstCrossing(steps, justAbove, se, 0.1, 3);
        Assert.Equal((null, 0), (first.After, first.At!.Value));
        Assert.Equal("≤ 0", first.ToString());
        // Downward crossing (R + 2 se < 0.5), a transient one not sustained, and a gate that holds it back.
        var r = new[] { 1.0, 0.9, 0.45, 0.7, 0.3, 0.2, 0.1, 0.1, 0.1, 0.1 };
        var down = Onset.FirstCrossing(steps, r, se, 0.5, 2, above: false);
        Assert.Equal((1, 2, false), (down.After!.Value, down.At!.Value, down.Sustained));
        var gated = Onset.FirstCrossing(steps, r, se, 0.5, 2, above: false, gate: steps.Select(s => s >= 6).ToArray());
        Assert.Equal((3, 6, true), (gated.After!.Value, gated.At!.Value, gated.Sustained));
    }

    [Fact]
    public void BadInputIsRefusedByName()
    {
        int[] steps = [0, 1];
        Assert.Throws<ArgumentException>(() => Onset.FirstCrossing(steps, [0.0], [0.1, 0.1], 0.1, 3));
        Assert.Throws<ArgumentException>(() => Onset.FirstCrossing([1, 1], [0.0, 0.0], [0.1, 0.1], 0.1, 3));
        Assert.Throws<ArgumentException>(() => Onset.FirstCrossing(steps, [0.0, double.NaN], [0.1, 0.1], 0.1, 3));
        Assert.Throws<ArgumentException>(() => Onset.FirstCrossing(steps, [0.0, 0.0], [0.1, -0.1], 0.1, 3));
        Assert.Throws<ArgumentException>(() => CapturedGain.Of(new double[62], new double[62], 31, [0]));
        Assert.Throws<ArgumentException>(() => CapturedGain.Of(new double[62], new double[62], 31, [0, 2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => (ContextRecognitionSettings.Default with { Windows = 10 }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (ContextRecognitionSettings.Default with { GainLevels = [1.5] }).Validate());
    }

    /// <summary>The uniform distribution over the vocabulary at every position.</summary>
    private sealed class Uniform(int vocabulary) : INextTokenPredictor
    {
        public int VocabularySize => vocabulary;

        public Tensor LogProbabilities(Tensor windows) =>
            full([windows.shape[0], windows.shape[1], vocabulary], -Math.Log(vocabulary), dtype: ScalarType.Float64);
    }
}
