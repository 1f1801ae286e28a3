using Slt.Losses;
using Slt.Estimators;
using Slt.Model;
using Slt.Platform;
using Slt.Sampling;
using Slt.Truth;

namespace Slt.Tests.Estimators;

[Collection(SamplingCollection.Name)]
public sealed class LengthRestrictedLlcTests
{
    [Fact]
    public void EachPartIsTheLlcOfTheTargetRestrictedToItsLengths()
    {
        TorchRuntime.Initialize();
        var spec = CorpusSpec.Default;
        using var model = new Transformer(new TransformerConfig(new Vocabulary(spec).Count, spec.ContextLength, ModelDimension: 16, Layers: 1, Heads: 2), seed: 4);
        var sample = new CorpusGenerator(new TrueDistribution(spec)).Sample(24, seed: 6);
        var settings = new SgldSettings { StepSize = 1e-5, Localization = 1000, Chains = 2, BurnIn = 3, Draws = 5, BatchSize = 4, Seed = 3 };
        var parts = LengthRestrictedLlc.EarlyAndLate(spec.ContextLength);
        var byLength = LengthRestrictedLlc.Estimate(model, sample, parts, settings, evaluationWindows: 12);

        Assert.Equal(2, byLength.Parts.Count);
        Assert.Equal(Enumerable.Range(1, spec.ContextLength / 4), byLength.Parts[0].Lengths);
        for (int i = 0; i < 2; i++)
        {
            var part = byLength.Parts[i];
            // The windows are the i.i.d. units: n = 24 and the same nβ for every part.
            long n = 24L;
            Assert.Equal(n, part.Result.Run.SampleSize);
            Assert.Equal(n / Math.Log(n), part.Result.NBeta, 9);
            // The same as estimating directly on the restricted target with the same settings (and seed).
            using var target = NextTokenTarget.Create(model, sample, evaluationWindows: 12, lengths: part.Lengths);
            var direct = LocalLearningCoefficient.Estimate(target, settings);
            Assert.Equal(direct.Run.Baseline, part.Result.Run.Baseline);
            Assert.Equal(direct.PerChain, part.Result.PerChain);
        }
        // The restriction is applied: each part's baseline is the sum of the per-length losses at w* over its own lengths
        // (on the 12 evaluation windows), not the sum over all lengths.
        using (var scope = TorchSharp.torch.NewDisposeScope())
        using (TorchSharp.torch.no_grad())
        {
            var perLength = NextTokenLoss.PerLength(model, sample.ToTensor().narrow(0, 0, 12)).to_type(TorchSharp.torch.ScalarType.Float64).data<double>().ToArray();
            for (int i = 0; i < 2; i++)
            {
                double expected = byLength.Parts[i].Lengths.Sum(l => perLength[l - 1]);
                double agreement = Math.Abs(byLength.Parts[i].Result.Run.Baseline[0] - expected), gap = Math.Abs(perLength.Sum() - expected);
                Assert.True(agreement < 1e-5, $"part {i}: baseline {byLength.Parts[i].Result.Run.Baseline[0]:R}, sum over its lengths {expected:R}");
                Assert.True(gap > 20 * agreement, $"part {i}: the sum over all lengths differs by {gap:E2} only, against an agreement of {agreement:E2}: no power");
            }
        }
        // The two parts are different losses: different baselines L_n^S(w*).
        Assert.NotEqual(byLength.Parts[0].Result.Run.Baseline[0], byLength.Parts[1].Result.Run.Baseline[0]);
        var frame = byLength.ToDataFrame();
        Assert.Equal(2, frame.Rows.Count);
        Assert.Equal(2, byLength.ToFigure().Traces.Count == 1 ? ((Slt.Presentation.BarTrace)byLength.ToFigure().Traces[0]).Categories.Length : -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => LengthRestrictedLlc.Estimate(model, sample, [("bad", [0])], settings));
    }
}
