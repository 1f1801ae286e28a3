using Slt.Losses;
using Slt.Platform;
using Slt.Truth;

namespace Slt.Tests.Truth;

public sealed class InContextEvidenceTests
{
    [Fact]
    public void EntropyDecreasesWithLengthForIdentifiableTasks()
    {
        // Distinct tasks are identifiable from a long enough prefix, so the truth itself learns in context:
        // S^l = H(T_{l+1} | T_1..T_l) is non-increasing in l for a stationary process, and strictly lower at the end.
        TorchRuntime.Initialize();
        var spec = CorpusSpec.Default with { TasksPerFamily = 8, ContextLength = 16 };
        var truth = new TrueDistribution(spec);
        var r = LengthDecomposedKl.Draw(truth, 4000, 21).Evaluate(new BayesOracle(truth));
        for (int i = 1; i < r.LengthCount; i++)
        {
            double rise = r.Entropy[i] - r.Entropy[i - 1];
            double se = Math.Sqrt(r.EntropyStandardError[i] * r.EntropyStandardError[i] + r.EntropyStandardError[i - 1] * r.EntropyStandardError[i - 1]);
            Assert.True(rise < 3 * se, $"S^{i + 1} − S^{i} = {rise:F4} exceeds 3 se ({se:F4}).");
        }
        double drop = r.Entropy[0] - r.Entropy[^1];
        Assert.True(drop > 10 * r.EntropyStandardError[0], $"S^1 − S^{r.LengthCount} = {drop:F4} is not clearly positive.");
    }

    [Fact]
    public void DefaultCorpusAccumulatesEvidenceGradually()
    {
        // Not a lookup: at l = C/4 at least a quarter of the truth's in-context gain S^1 − S^late is still to come.
        TorchRuntime.Initialize();
        var truth = new TrueDistribution(CorpusSpec.Default);
        var r = LengthDecomposedKl.Draw(truth, 3000, 5).Evaluate(new BayesOracle(truth));
        Assert.True(r.AvailableGain > 0.3, $"S^1 − S^late = {r.AvailableGain:F4} nats is too small to study.");
        Assert.True(r.GradualEvidenceRatio >= 0.25,
            $"(S^C/4 − S^late)/(S^1 − S^late) = {r.GradualEvidenceRatio:F3} < 0.25: the task is identified too early.");
    }
}
