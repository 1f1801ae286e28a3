using static TorchSharp.torch;

namespace Slt.Losses;

/// <summary>
/// The training loss on a batch of windows, differentiable in the weights: the empirical
/// L_B(w) = −(1/(B(C−1))) Σ_i Σ_{l=1}^{C−1} log p(t^{(i)}_{l+1} | t^{(i)}_1..t^{(i)}_l, w),
/// i.e. the mean over all B(C−1) input/output pairs (every length equally weighted, as in the seminar's data
/// distribution). This is the L_n(w) that SGLD and the learning-coefficient estimators use.
/// </summary>
public static class NextTokenLoss
{
    /// <summary>The per-pair mean cross-entropy as a scalar tensor (carries gradients).</summary>
    public static Tensor Mean(nn.Module<Tensor, Tensor> model, Tensor windows)
    {
        var (logits, targets) = LogitsAndTargets(model, windows);
        return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), targets.reshape(-1));
    }

    /// <summary>
    /// The negative log-likelihood of each window, −log p(t_2..t_C | t_1, w) = −Σ_{l=1}^{C−1} log p(t_{l+1} | t_1..t_l, w),
    /// a [B] tensor (carries gradients): the loss of one i.i.d. data point when windows are the sample's units.
    /// </summary>
    public static Tensor PerWindow(nn.Module<Tensor, Tensor> model, Tensor windows) => PerPair(model, windows).sum(1);

    /// <summary>
    /// The negative log-likelihood of each window restricted to the input lengths at 0-based positions
    /// <paramref name="positions"/> (l − 1 for length l): −Σ_{l∈S} log p(t_{l+1} | t_1..t_l, w), a [B] tensor.
    /// </summary>
    public static Tensor PerWindow(nn.Module<Tensor, Tensor> model, Tensor windows, Tensor positions) =>
        PerPair(model, windows).index_select(1, positions).sum(1);

    /// <summary>−log p(t_{l+1} | t_1..t_l, w) of every pair, a [B, C − 1] tensor (carries gradients).</summary>
    public static Tensor PerPair(nn.Module<Tensor, Tensor> model, Tensor windows)
    {
        var (logits, targets) = LogitsAndTargets(model, windows);
        return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), targets.reshape(-1), reduction: nn.Reduction.None)
            .view(windows.shape[0], -1);
    }

    /// <summary>The mean cross-entropy at each input length l = 1..C−1, a [C − 1] tensor (carries gradients).</summary>
    public static Tensor PerLength(nn.Module<Tensor, Tensor> model, Tensor windows)
    {
        var (logits, targets) = LogitsAndTargets(model, windows);
        return -logits.log_softmax(-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1).mean([0]);
    }

    /// <summary>The empirical loss L_n(w) of a whole sample (no gradients), in batches.</summary>
    public static double Empirical(nn.Module<Tensor, Tensor> model, Slt.Truth.WindowSample sample, int batchSize = 256)
    {
        double total = 0;
        for (int first = 0; first < sample.Count; first += batchSize)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            int b = Math.Min(batchSize, sample.Count - first);
            total += Mean(model, sample.ToTensor(first, b)).to_type(ScalarType.Float64).item<double>() * b;
        }
        return total / sample.Count;
    }

    private static (Tensor Logits, Tensor Targets) LogitsAndTargets(nn.Module<Tensor, Tensor> model, Tensor windows)
    {
        if (windows.dim() != 2 || windows.shape[1] < 2)
            throw new ArgumentException("windows must be [B, C] with C ≥ 2.", nameof(windows));
        long m = windows.shape[1] - 1;
        var logits = model.forward(windows).narrow(1, 0, m);
        return (logits, windows.narrow(1, 1, m));
    }
}
