using Slt.Losses;
using Slt.Model;
using Slt.Platform;
using Slt.Sampling;
using Slt.Truth;
using static TorchSharp.torch;

namespace Slt.Tests.Sampling;

/// <summary>The transformer's loss as a sampling target, on all input lengths and restricted to some of them.</summary>
[Collection(Slt.Tests.Estimators.SamplingCollection.Name)]
public sealed class NextTokenTargetTests
{
    private static readonly TrueDistribution Truth = new(CorpusSpec.Default);
    private static readonly int C = CorpusSpec.Default.ContextLength;

    private static Transformer SmallModel() =>
        new(new TransformerConfig(new Vocabulary(CorpusSpec.Default).Count, C, ModelDimension: 16, Layers: 1, Heads: 2), seed: 3);

    private static WindowSample Sample(int windows) => new CorpusGenerator(Truth).Sample(windows, seed: 5);

    private static double Evaluate(ModuleTarget target)
    {
        using var group = target.CreateGroup(1);
        using var noGrad = no_grad();
        return group.EvaluationLoss().to_type(ScalarType.Float64).item<double>();
    }

    private static double BatchLoss(ModuleTarget target, long[] windows)
    {
        using var group = target.CreateGroup(1);
        using var noGrad = no_grad();
        return group.Loss(tensor(windows, dtype: int64)).to_type(ScalarType.Float64).item<double>();
    }

    [Fact]
    public void RestrictedLossIsTheSumOfThePerLengthEmpiricalLossesAndNCountsWindows()
    {
        TorchRuntime.Initialize();
        using var model = SmallModel();
        var sample = Sample(48);
        int[] kept = [31, 1, 2, 3, 10];
        using var target = NextTokenTarget.Create(model, sample, evaluationWindows: 48, lengths: kept);
        var perLength = new LengthDecomposedKl(Truth, sample).Evaluate(model);
        double expected = kept.Sum(l => perLength.At(perLength.EmpiricalLoss, l));
        // The windows are the i.i.d. units: n = N whatever the lengths kept.
        Assert.Equal(48L, target.SampleSize);
        Assert.Equal(48L, target.DataSize);
        Assert.True(Math.Abs(Evaluate(target) - expected) < 1e-4, $"restricted L_n = {Evaluate(target):F7}, sum of L_n^l over S = {expected:F7}");
        // The same on a mini-batch of windows (here: all of them, in another order) — the loss SGLD differentiates.
        var all = Enumerable.Range(0, 48).Reverse().Select(i => (long)i).ToArray();
        Assert.True(Math.Abs(BatchLoss(target, all) - expected) < 1e-4);
        // The restriction matters: the unrestricted loss is a different number.
        using var full = NextTokenTarget.Create(model, sample, evaluationWindows: 48);
        Assert.True(Math.Abs(Evaluate(full) - expected) > 1e-3, $"unrestricted {Evaluate(full):F5} vs restricted {expected:F5}");
        Assert.True(Math.Abs(Evaluate(full) - (C - 1) * perLength.MeanEmpiricalLoss) < 1e-4);
        Assert.Equal(48L, full.SampleSize);
    }

    [Fact]
    public void RestrictionToEveryLengthIsTheUnrestrictedTargetAndSamplesTheSame()
    {
        TorchRuntime.Initialize();
        using var model = SmallModel();
        var sample = Sample(32);
        using var full = NextTokenTarget.Create(model, sample, evaluationWindows: 16);
        using var every = NextTokenTarget.Create(model, sample, evaluationWindows: 16, lengths: Enumerable.Range(1, C - 1).ToArray());
        Assert.Equal(full.SampleSize, every.SampleSize);
        Assert.True(Math.Abs(Evaluate(full) - Evaluate(every)) < 1e-6);
        var settings = new SgldSettings { StepSize = 1e-5, Localization = 100, Chains = 2, BurnIn = 4, Draws = 6, BatchSize = 4, Seed = 7 };
        var a = Sgld.Run(full, settings);
        var b = Sgld.Run(every, settings);
        Assert.Equal(a.NBeta, b.NBeta);
        for (int c = 0; c < 2; c++)
            for (int k = 0; k < 6; k++)
                Assert.True(Math.Abs(a.Draws[c][k] - b.Draws[c][k]) < 1e-4, $"chain {c} draw {k}: {a.Draws[c][k]} vs {b.Draws[c][k]}");
    }

    [Fact]
    public void RestrictedSamplingIsDeterministicAndMovesTheWeights()
    {
        TorchRuntime.Initialize();
        using var model = SmallModel();
        var before = model.parameters().Select(p => p.detach().clone()).ToArray();
        using var early = NextTokenTarget.Create(model, Sample(32), evaluationWindows: 16, lengths: NextTokenTarget.SplitAtQuarter(C).Early);
        var settings = new SgldSettings { StepSize = 1e-5, Localization = 100, Chains = 2, BurnIn = 4, Draws = 6, BatchSize = 4, Seed = 7 };
        var a = Sgld.Run(early, settings);
        var b = Sgld.Run(early, settings);
        var other = Sgld.Run(early, settings with { Seed = 8 });
        Assert.Equal(a.Baseline, b.Baseline);
        for (int c = 0; c < 2; c++) Assert.Equal(a.Draws[c], b.Draws[c]);
        Assert.NotEqual(a.Draws[0], other.Draws[0]);
        Assert.NotEqual(a.Draws[0][0], a.Baseline[0]);
        // The module is back at w* after sampling.
        foreach (var (p, w) in model.parameters().Zip(before)) Assert.True(p.detach().equal(w).all().item<bool>());
        Assert.Equal(32L, early.SampleSize);
    }

    [Fact]
    public void InvalidLengthSetsAreRefusedWithClearErrors()
    {
        TorchRuntime.Initialize();
        using var model = SmallModel();
        var sample = Sample(8);
        var empty = Assert.Throws<ArgumentException>(() => NextTokenTarget.Create(model, sample, lengths: Array.Empty<int>()));
        Assert.Contains("empty", empty.Message);
        var zero = Assert.Throws<ArgumentOutOfRangeException>(() => NextTokenTarget.Create(model, sample, lengths: [0, 1]));
        Assert.Contains($"1..{C - 1}", zero.Message);
        var tooLong = Assert.Throws<ArgumentOutOfRangeException>(() => NextTokenTarget.Create(model, sample, lengths: [C]));
        Assert.Contains($"{C}", tooLong.Message);
        var twice = Assert.Throws<ArgumentException>(() => NextTokenTarget.Create(model, sample, lengths: [2, 3, 2]));
        Assert.Contains("twice", twice.Message);
        var (earlyLengths, lateLengths) = NextTokenTarget.SplitAtQuarter(C);
        Assert.Equal(Enumerable.Range(1, C - 1), earlyLengths.Concat(lateLengths));
        Assert.Equal(C / 4, earlyLengths[^1]);
    }
}
