using Slt.Losses;
using Slt.Truth;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Sampling;

/// <summary>The transformer's training loss as a sampling target (the LLC of a trained language model).</summary>
public static class NextTokenTarget
{
    /// <summary>
    /// L_n(w) = mean next-token cross-entropy over the windows of <paramref name="sample"/> (NextTokenLoss.Mean), the
    /// windows being the data points mini-batches are drawn from; L_n(w*) and the recorded losses use the first
    /// <paramref name="evaluationWindows"/> windows as the fixed evaluation set. n = number of input/output pairs.
    /// </summary>
    public static ModuleTarget Create(nn.Module<Tensor, Tensor> model, WindowSample sample, int evaluationWindows = 512)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sample);
        if (evaluationWindows <= 0) throw new ArgumentOutOfRangeException(nameof(evaluationWindows), evaluationWindows, "evaluationWindows must be positive.");
        var windows = sample.ToTensor();
        var evaluation = windows.narrow(0, 0, Math.Min(evaluationWindows, sample.Count));
        long pairs = windows.shape[0] * (windows.shape[1] - 1);
        return new ModuleTarget(model, sample.Count, idx => NextTokenLoss.Mean(model, windows.index(idx)), sampleSize: pairs,
            evaluationLoss: () => NextTokenLoss.Mean(model, evaluation));
    }
}
