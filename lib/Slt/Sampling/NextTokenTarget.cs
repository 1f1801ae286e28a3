using Slt.Losses;
using Slt.Truth;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Sampling;

/// <summary>The transformer's training loss as a sampling target (the LLC of a trained language model), on all
/// input lengths or restricted to some (the data-restricted LLC of one part of K = Σ_l K^l).</summary>
public static class NextTokenTarget
{
    /// <summary>Windows of the sample the default transformer's LLC is taken on (n = 256 × 31 = 7936 pairs).</summary>
    public const int DefaultWindows = 256;

    /// <summary>
    /// SGLD settings for the default transformer of notebook 01 on <see cref="DefaultWindows"/> windows, L_n evaluated on
    /// all of them: ε = 1e−5, γ = 2000, nβ = n / log n ≈ 884, 4 chains × (150 burn-in + 80 draws × 20 steps), batches of
    /// 16 windows. Why: the MALA acceptance of this 108k-parameter posterior falls below 0.9 once εγ exceeds about 0.02
    /// (εγ = 0.03 gave 0.84), and the excess loss decorrelates over roughly 1/(εγ) steps, so εγ = 0.02 is the fastest
    /// mixing the acceptance allows. Measured 2026-12-03 (notebook 02): λ̂ = 19.9 ± 0.4, rank-normalized R̂ 1.029, bulk-ESS
    /// 115, tail-ESS 152 in 141 s on one thread: "use with care" (trustworthy needs R̂ &lt; 1.01 and ESS ≥ 400); with 40 draws
    /// per chain ESS 63, below the 100 under which the verdict is "do not trust". The step-size search
    /// (<c>slt llc --model transformer --epsilon auto</c>) kept ε ≈ 1e−5: its bias at 4e−5 measured 2.5 ± 1.1 (12%).
    /// </summary>
    public static SgldSettings DefaultSettings { get; } = new()
    {
        StepSize = 1e-5, Localization = 2000, Chains = 4, BurnIn = 150, Draws = 80, StepsBetweenDraws = 20, BatchSize = 16,
    };

    /// <summary>
    /// L_n(w) = mean next-token cross-entropy over the windows of <paramref name="sample"/> (NextTokenLoss.Mean), the
    /// windows being the data points mini-batches are drawn from; L_n(w*) and the recorded losses use the first
    /// <paramref name="evaluationWindows"/> windows as the fixed evaluation set (by default all of them).
    /// </summary>
    /// <remarks>
    /// <para>Unrestricted (<paramref name="lengths"/> null): n = windows × (C − 1), the number of input/output pairs.</para>
    /// <para>Restricted to a set S of input lengths (the data-restricted LLC, Wang et al. 2024, arXiv 2410.02984):
    /// L_n^S(w) = −(1/(N|S|)) Σ_{i=1}^{N} Σ_{l∈S} log p(t^{(i)}_{l+1} | t^{(i)}_1..t^{(i)}_l, w) = (1/|S|) Σ_{l∈S} L_n^l(w),
    /// the mean of the per-length losses of <see cref="LengthDecomposedLoss"/> over S, used both for the SGLD gradient
    /// (on mini-batches of windows) and for L_n on the evaluation set. Its n is N|S|, the number of (window, length)
    /// terms it averages, so the default nβ = n / log n is smaller than the unrestricted one. The transformer is causal,
    /// so each window is cut to its first max(S) + 1 tokens before the forward pass (exact, and cheaper for early lengths).</para>
    /// </remarks>
    /// <param name="model">The trained model; its current weights are w*.</param>
    /// <param name="sample">The N windows of length C that L_n averages over.</param>
    /// <param name="evaluationWindows">Windows of the fixed evaluation set (the first ones of the sample), ≥ 1; null (default):
    /// the whole sample. A subset is cheaper per draw but adds noise that mixes slowly: the trained w* is not a minimum of
    /// the subset's loss, so L_subset(w) − L_subset(w*) has a term linear in w − w*, and w − w* moves at the slow rate
    /// εγ/2 along directions the full loss hardly constrains (with a 256-of-2048 subset this, together with too short
    /// chains, made split-R̂ fail in notebook 02's first attempt).</param>
    /// <param name="lengths">Input lengths l ∈ {1, …, C − 1} to keep (no duplicates, not empty); null keeps all.</param>
    /// <exception cref="ArgumentException">The set of lengths is empty or has duplicates.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A length lies outside 1..C − 1, or evaluationWindows ≤ 0.</exception>
    public static ModuleTarget Create(nn.Module<Tensor, Tensor> model, WindowSample sample, int? evaluationWindows = null,
        IReadOnlyCollection<int>? lengths = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sample);
        if (evaluationWindows is <= 0) throw new ArgumentOutOfRangeException(nameof(evaluationWindows), evaluationWindows, "evaluationWindows must be positive.");
        var windows = sample.ToTensor();
        var evaluation = windows.narrow(0, 0, Math.Min(evaluationWindows ?? sample.Count, sample.Count));
        if (lengths is null)
        {
            long pairs = windows.shape[0] * (windows.shape[1] - 1);
            return new ModuleTarget(model, sample.Count, idx => NextTokenLoss.Mean(model, windows.index(idx)), sampleSize: pairs,
                evaluationLoss: () => NextTokenLoss.Mean(model, evaluation));
        }
        var kept = ValidateLengths(lengths, sample.ContextLength);
        int tokens = kept[^1] + 1;
        var cut = windows.narrow(1, 0, tokens).contiguous();
        var cutEvaluation = evaluation.narrow(1, 0, tokens).contiguous();
        var index = tensor(kept.Select(l => (long)(l - 1)).ToArray(), dtype: int64);
        return new ModuleTarget(model, sample.Count, idx => RestrictedMean(model, cut.index(idx), index),
            sampleSize: (long)sample.Count * kept.Length, evaluationLoss: () => RestrictedMean(model, cutEvaluation, index));
    }

    /// <summary>The lengths sorted, after checking that they are a non-empty set of input lengths in 1..C − 1.</summary>
    /// <exception cref="ArgumentException">Empty, or a length appears twice.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A length lies outside 1..C − 1.</exception>
    public static int[] ValidateLengths(IEnumerable<int> lengths, int contextLength)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        var sorted = lengths.OrderBy(l => l).ToArray();
        if (sorted.Length == 0)
            throw new ArgumentException("The set of input lengths is empty: keep at least one length in 1..C − 1.", nameof(lengths));
        foreach (int l in sorted)
            if (l < 1 || l > contextLength - 1)
                throw new ArgumentOutOfRangeException(nameof(lengths), l, $"Input length {l} is outside 1..{contextLength - 1} (C = {contextLength}: a window predicts its tokens 2..C from prefixes of length 1..C − 1).");
        for (int i = 1; i < sorted.Length; i++)
            if (sorted[i] == sorted[i - 1])
                throw new ArgumentException($"Input length {sorted[i]} appears twice; each length may be kept once.", nameof(lengths));
        return sorted;
    }

    /// <summary>Input lengths l ≤ ⌊C/4⌋ ("early") and ⌊C/4⌋ &lt; l ≤ C − 1 ("late"): the split of notebook 02.</summary>
    public static (int[] Early, int[] Late) SplitAtQuarter(int contextLength)
    {
        if (contextLength < 5) throw new ArgumentOutOfRangeException(nameof(contextLength), contextLength, "contextLength must be ≥ 5 to split the lengths at a quarter.");
        int quarter = contextLength / 4;
        return (Enumerable.Range(1, quarter).ToArray(), Enumerable.Range(quarter + 1, contextLength - 1 - quarter).ToArray());
    }

    /// <summary>Mean cross-entropy over the windows and the lengths at 0-based positions <paramref name="index"/>.</summary>
    private static Tensor RestrictedMean(nn.Module<Tensor, Tensor> model, Tensor windows, Tensor index) =>
        NextTokenLoss.PerLength(model, windows).index_select(0, index).mean();
}
