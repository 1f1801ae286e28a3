using Slt.Losses;
using Slt.Model;
using Slt.Truth;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Sampling;

/// <summary>The transformer's training loss as a sampling target (the LLC of a trained language model), on all
/// input lengths or restricted to some (the data-restricted LLC of one part of K = Σ_l K^l).</summary>
public static class NextTokenTarget
{
    /// <summary>Windows of the sample the default transformer's LLC is taken on (n = 256 i.i.d. windows).</summary>
    public const int DefaultWindows = 256;

    /// <summary>
    /// SGLD settings for the default transformer of notebook 01 on <see cref="DefaultWindows"/> windows: ε = 6e−6, γ = 2000,
    /// nβ = n / log n = 256 / log 256 ≈ 46.2 on the per-window loss (the same stiffness as ε = 1e−5 on the old per-pair
    /// scale), 4 chains × (150 burn-in + 80 draws × 20 steps), batches of 4 windows, draws from the mini-batch excess
    /// (<see cref="DrawLoss.MiniBatchExcess"/>), MALA checked on every 50th proposal.
    /// Why: the excess loss decorrelates over roughly 1/(εγ) steps whatever the batch, so the cheapest step that keeps
    /// the chain's noise honest wins: at 4 windows a step costs about half of one at 16 (its fixed backward cost
    /// dominates), and the mini-batch excess records every step at no extra forward pass. Measured 2026-12-03 on this
    /// 2-core machine (docs/transformer-llc.md): λ̂ = 24.9 ± 0.7, R̂ 1.016, bulk-ESS 148, MALA acceptance 0.945, 52.6 CPU
    /// seconds and 26.9 s of wall time with two chain groups at a time (2.8 ESS per CPU second; the previous default,
    /// batches of 16 and one evaluation pass per draw, gave 0.76 in the same session). λ̂ depends on γ at the trained point (<see cref="Estimators.LocalizationSweep"/>): compare only at equal settings.
    /// </summary>
    public static SgldSettings DefaultSettings { get; } = new()
    {
        StepSize = 6e-6, Localization = 2000, Chains = 4, BurnIn = 150, Draws = 80, StepsBetweenDraws = 20, BatchSize = 4,
        DrawLoss = DrawLoss.MiniBatchExcess, MalaEvery = 50,
    };

    /// <summary>
    /// The transformer's empirical loss as a sampling target. The sample's units are its N windows, drawn i.i.d. from
    /// the truth; the C − 1 input/output pairs inside one window share tokens and are not independent. So n = N, and
    /// L_n(w) = (1/N) Σ_i ℓ_i(w) with ℓ_i(w) = −log p(t^{(i)}_2..t^{(i)}_C | t^{(i)}_1, w) = −Σ_{l=1}^{C−1} log p(t^{(i)}_{l+1} | t^{(i)}_1..t^{(i)}_l, w),
    /// the negative log-likelihood of window i (a sum over its lengths, not a mean). Then n L_n(w) is the log-likelihood of
    /// the whole sample, as Watanabe's theory requires, and the default β = 1/log n is the WBIC temperature of N i.i.d.
    /// windows: nβ = N / log N. (Counting the N(C − 1) pairs as n would both shrink β to 1/log(N(C − 1)) and inflate n,
    /// for the same likelihood; see docs/transformer-llc.md.)
    /// </summary>
    /// <remarks>
    /// <para>Restricted to a set S of input lengths (the data-restricted LLC, Wang et al. 2024, arXiv 2410.02984):
    /// ℓ_i^S(w) = −Σ_{l∈S} log p(t^{(i)}_{l+1} | t^{(i)}_1..t^{(i)}_l, w), so L_n^S = Σ_{l∈S} L_n^l, the sum of the per-length
    /// losses of <see cref="LengthDecomposedLoss"/> over S (the seminar's K = Σ_l K^l restricted to S), with the same n = N
    /// and hence the same nβ for every S. The transformer is causal, so each window is cut to its first max(S) + 1 tokens
    /// before the forward pass (exact, and cheaper for early lengths).</para>
    /// <para>The target has per-window losses (<see cref="ModuleTarget.PerPoint"/>), so the sampler can record every
    /// step's mini-batch excess (<see cref="DrawLoss.MiniBatchExcess"/>), and, for a <see cref="Transformer"/>, copies of
    /// the model run chains in parallel (<see cref="ITemperedTarget.ConcurrentGroups"/>). Data live on the model's device.</para>
    /// </remarks>
    /// <param name="model">The trained model; its current weights are w*.</param>
    /// <param name="sample">The N windows of length C that L_n averages over.</param>
    /// <param name="evaluationWindows">Windows of the fixed evaluation set (the first ones of the sample), ≥ 1; null (default):
    /// the whole sample. Used by <see cref="DrawLoss.EvaluationSet"/>. A subset is cheaper per draw but adds noise that
    /// mixes slowly: the trained w* is not a minimum of the subset's loss, so L_subset(w) − L_subset(w*) has a term linear
    /// in w − w*, and w − w* moves at the slow rate εγ/2 along directions the full loss hardly constrains.</param>
    /// <param name="lengths">Input lengths l ∈ {1, …, C − 1} to keep (no duplicates, not empty); null keeps all.</param>
    /// <param name="replicate">Builds a model of the same architecture for parallel chains; null: a
    /// <see cref="Transformer"/> makes its own (<see cref="Transformer.SameArchitecture"/>), any other module runs one
    /// chain at a time.</param>
    /// <exception cref="ArgumentException">The set of lengths is empty or has duplicates.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A length lies outside 1..C − 1, or evaluationWindows ≤ 0.</exception>
    public static ModuleTarget Create(nn.Module<Tensor, Tensor> model, WindowSample sample, int? evaluationWindows = null,
        IReadOnlyCollection<int>? lengths = null, Func<nn.Module<Tensor, Tensor>>? replicate = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sample);
        if (evaluationWindows is <= 0) throw new ArgumentOutOfRangeException(nameof(evaluationWindows), evaluationWindows, "evaluationWindows must be positive.");
        var kept = lengths is null ? null : ValidateLengths(lengths, sample.ContextLength);
        replicate ??= model is Transformer t ? t.SameArchitecture : null;
        var device = model.parameters().First().device;
        var windows = sample.ToTensor().to(device);
        return Build(model, sample.Count, windows, evaluationWindows, kept, replicate);
    }

    private static ModuleTarget Build(nn.Module<Tensor, Tensor> model, int count, Tensor windows, int? evaluationWindows, int[]? kept,
        Func<nn.Module<Tensor, Tensor>>? replicate)
    {
        int tokens = kept is null ? (int)windows.shape[1] : kept[^1] + 1;
        var cut = tokens == windows.shape[1] ? windows : windows.narrow(1, 0, tokens).contiguous();
        var evaluation = cut.narrow(0, 0, Math.Min(evaluationWindows ?? count, count));
        var positions = kept is null ? null : tensor(kept.Select(l => (long)(l - 1)).ToArray(), dtype: int64, device: windows.device);
        Tensor PerWindow(Tensor w) => positions is null ? NextTokenLoss.PerWindow(model, w) : NextTokenLoss.PerWindow(model, w, positions);
        Func<ModuleTarget>? copy = replicate is null ? null : () => Build(replicate(), count, windows, evaluationWindows, kept, null);
        return ModuleTarget.PerPoint(model, count, idx => PerWindow(cut.index(idx)), sampleSize: count,
            evaluationLoss: () => PerWindow(evaluation).mean(), replicate: copy, evaluationChunk: 256);
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

}
