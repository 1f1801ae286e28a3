using Slt.Losses;
using Slt.Platform;
using Slt.Training;
using Slt.Truth;
using Xunit.Abstractions;

namespace Slt.Tests.Training;

/// <summary>Trains the default recipe once per test run (or reuses this build's cached result) and checks what it learned.</summary>
[Collection(SequentialTorchCollection.Name)]
public sealed class DefaultModelTests(ITestOutputHelper output)
{
    [Fact]
    public void DefaultModelCapturesMostOfTheInContextGain()
    {
        TorchRuntime.Initialize(1);
        var (model, run) = TrainedModelCache.GetOrTrain(TrainingRunConfig.Default);
        model.eval();
        var truth = new TrueDistribution(TrainingRunConfig.Default.Corpus);
        // A fresh evaluation sample, independent of training and of the checkpoints' evaluation sample.
        var r = LengthDecomposedKl.Draw(truth, 2000, 424242).Evaluate(model);
        output.WriteLine($"trained in {run.Seconds:F0} s; S^1 − S^last = {r.AvailableGain:F4}, S^1 − L^last = {r.RealizedGain:F4}, captured {r.CapturedGainFraction:P1}; " +
                         $"K^1 = {r.Kl[0]:F4}, K^last = {r.LastQuarter(r.Kl):F4}, K = {r.TotalKl:F3}, gradual-evidence ratio {r.GradualEvidenceRatio:F3}");
        Assert.True(r.CapturedGainFraction >= 0.8,
            $"(S^1 − L^last) = {r.RealizedGain:F4} < 0.8 (S^1 − S^last) = {0.8 * r.AvailableGain:F4}: captured only {r.CapturedGainFraction:P1}.");
        // In-context learning over training: the late-length KL falls from initialisation to the end.
        Assert.True(run.Final.LastQuarter(run.Final.Kl) < 0.1 * run.Checkpoints[0].Evaluation.LastQuarter(run.Checkpoints[0].Evaluation.Kl));
    }
}
