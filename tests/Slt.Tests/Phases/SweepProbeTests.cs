using Slt.Model;
using Slt.Phases;
using Slt.Platform;
using Slt.Truth;
using static TorchSharp.torch;

namespace Slt.Tests.Phases;

/// <summary>
/// The probe's measurement has power: the truth's own predictor captures the whole gain in every group and has zero
/// K and zero in-weights loss (share 1); the best predictor that sees only the last token captures none of it (G ≈ 0
/// within its standard error); a context-blind uniform predictor is below 0; the same seed gives the same numbers; with
/// α = 0 the head/tail split falls back on the tie rule (about half the tasks in the head).
/// </summary>
public sealed class SweepProbeTests
{
    private static readonly TrueDistribution Truth = new(CorpusSpec.Default);

    /// <summary>p(· | t_1..t_l) = q(· | t_l): the truth conditioned on the last token only.</summary>
    private sealed class LastTokenPredictor(TrueDistribution truth) : INextTokenPredictor
    {
        private readonly double[][] _byToken = Enumerable.Range(0, truth.Vocabulary.Count)
            .Select(s => truth.Conditional([s])).ToArray();

        public int VocabularySize => truth.Vocabulary.Count;

        public Tensor LogProbabilities(Tensor windows)
        {
            int b = (int)windows.shape[0], c = (int)windows.shape[1], v = VocabularySize;
            var ids = windows.data<long>().ToArray();
            var values = new double[b * c * v];
            for (int i = 0; i < b * c; i++) _byToken[ids[i]].CopyTo(values, i * v);
            return tensor(values, [b, c, v]).log();
        }
    }

    /// <summary>p = uniform over the vocabulary at every length: blind to the context and to the weights.</summary>
    private sealed class UniformPredictor(int vocabulary) : INextTokenPredictor
    {
        public int VocabularySize => vocabulary;

        public Tensor LogProbabilities(Tensor windows) =>
            full([windows.shape[0], windows.shape[1], vocabulary], -Math.Log(vocabulary), dtype: ScalarType.Float64);
    }

    [Fact]
    public void TruthCapturesEverythingAndHasNoInWeightsLoss()
    {
        TorchRuntime.Initialize(1);
        var probe = new SweepProbe(Truth, 256, 2);
        var reading = probe.Measure(new BayesOracle(Truth), new UniformPredictor(Truth.Vocabulary.Count));
        Assert.Equal(3 + 3 * Truth.Vocabulary.FamilyNames.Count, reading.Cells.Count);
        foreach (var cell in reading.Cells)
        {
            Assert.Equal(1.0, cell.Gain.Gain, 9);
            Assert.True(cell.Gain.AvailableGain > 0.05, $"{cell.Family} {cell.Class}: available {cell.Gain.AvailableGain}");
        }
        Assert.All(reading.Kl, k => Assert.True(Math.Abs(k) < 1e-9, $"K^l = {k}"));
        Assert.True(Math.Abs(reading.HeadKlAtOne) < 1e-9, $"W = {reading.HeadKlAtOne}");
        Assert.True(reading.UntrainedHeadKlAtOne > 0.1);
        Assert.Equal(1.0, reading.InWeightsShare!.Value, 9);
        Assert.Equal(0.0, probe.TaskSwitchShare);
        Assert.Equal(256, reading.Gain("all", "head").Windows + reading.Gain("all", "tail").Windows);
    }

    [Fact]
    public void LastTokenPredictorCapturesNoneAndUniformIsBelowZero()
    {
        TorchRuntime.Initialize(1);
        var probe = new SweepProbe(Truth, 512, 2);
        var last = probe.Measure(new LastTokenPredictor(Truth)).Gain();
        Assert.True(Math.Abs(last.Gain) < 4 * last.StandardError + 0.02, $"last-token G = {last.Gain} ± {last.StandardError}");
        // It is exact at l = 1, so it has no in-weights loss either: W measures the length-1 predictions only.
        Assert.True(Math.Abs(probe.Measure(new LastTokenPredictor(Truth)).HeadKlAtOne) < 1e-9);
        var uniform = probe.Measure(new UniformPredictor(Truth.Vocabulary.Count));
        Assert.True(uniform.Gain().Gain + 4 * uniform.Gain().StandardError < 0, $"uniform G = {uniform.Gain().Gain}");
        Assert.True(uniform.HeadKlAtOne > 0.1, $"uniform W = {uniform.HeadKlAtOne}");
        Assert.Null(uniform.InWeightsShare);
    }

    [Fact]
    public void SameSeedSameNumbersOtherSeedOtherNumbers()
    {
        TorchRuntime.Initialize(1);
        var model = new LastTokenPredictor(Truth);
        var a = new SweepProbe(Truth, 128, 5).Measure(model);
        var b = new SweepProbe(Truth, 128, 5).Measure(model);
        var c = new SweepProbe(Truth, 128, 6).Measure(model);
        Assert.Equal(a.Gain().Gain, b.Gain().Gain);
        Assert.Equal(a.Kl, b.Kl);
        Assert.Equal(a.HeadKlAtOne, b.HeadKlAtOne);
        Assert.NotEqual(a.Gain().Gain, c.Gain().Gain);
    }

    [Fact]
    public void UniformPriorSplitsByTheTieRule()
    {
        var flat = new TrueDistribution(CorpusSpec.Default with { ZipfExponent = 0 });
        var probe = new SweepProbe(flat, 128, 2);
        foreach (var head in probe.Classes.Where(c => c.Name == "head"))
        {
            Assert.InRange(head.Tasks.Length, 32, 33);
            Assert.InRange(head.PriorShare, 0.5 - 1e-9, 0.52);
            Assert.Equal(head.Tasks.Order(), head.Tasks); // ties go to the lower index
        }
    }

    [Fact]
    public void RefusesTooFewWindows()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SweepProbe(Truth, 10, 2));
        Assert.Equal("windows", e.ParamName);
    }
}
