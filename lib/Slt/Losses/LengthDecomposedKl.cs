using Slt.Model;
using Slt.Truth;
using static TorchSharp.torch;

namespace Slt.Losses;

/// <summary>
/// Estimates <see cref="LengthDecomposedLoss"/> for any model on a fixed sample of windows. The truth's conditionals
/// q(· | t_1..t_l) and their entropies are computed once, exactly, when this object is built; <see cref="Evaluate"/>
/// then costs one forward pass of the model.
/// </summary>
public sealed class LengthDecomposedKl
{
    private readonly double[] _q;        // [n, C, |S|]
    private readonly double[] _entropy;  // [n, C − 1]
    private readonly int _batchSize;

    public LengthDecomposedKl(TrueDistribution truth, WindowSample sample, int batchSize = 256)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be at least 1.");
        if (sample.ContextLength != truth.ContextLength)
            throw new ArgumentException($"The sample's C = {sample.ContextLength} differs from the truth's C = {truth.ContextLength}.", nameof(sample));
        if (sample.Vocabulary.Count != truth.Vocabulary.Count)
            throw new ArgumentException("The sample's vocabulary differs from the truth's.", nameof(sample));
        Truth = truth;
        Sample = sample;
        _batchSize = batchSize;
        int n = sample.Count, c = sample.ContextLength, v = truth.Vocabulary.Count;
        _q = new double[n * c * v];
        _entropy = new double[n * (c - 1)];
        Parallel.For(0, n, w =>
        {
            truth.Filter(sample.Window(w), _q.AsSpan(w * c * v, c * v));
            for (int i = 0; i < c - 1; i++) _entropy[w * (c - 1) + i] = TrueDistribution.Entropy(_q.AsSpan((w * c + i) * v, v));
        });
    }

    public TrueDistribution Truth { get; }
    public WindowSample Sample { get; }

    /// <summary>Convenience: draws <paramref name="windows"/> windows from the truth with <paramref name="seed"/>.</summary>
    public static LengthDecomposedKl Draw(TrueDistribution truth, int windows, long seed) =>
        new(truth, new CorpusGenerator(truth).Sample(windows, seed));

    /// <summary>L^l, S^l, K^l (with standard errors), L_n^l and totals for the model (no gradients are taken).</summary>
    public LengthDecomposedLoss Evaluate(INextTokenPredictor model)
    {
        var (cross, kl, nll) = PerWindow(model);
        int n = Sample.Count, m = Sample.ContextLength - 1;
        var (lMean, lSe, _) = Summarise(cross, n, m);
        var (sMean, sSe, _) = Summarise(_entropy, n, m);
        var (kMean, kSe, kTotalSe) = Summarise(kl, n, m);
        var (nMean, nSe, nTotalSe) = Summarise(nll, n, m);
        return new LengthDecomposedLoss(
            Enumerable.Range(1, m).ToArray(), n,
            lMean, lSe, sMean, sSe, kMean, kSe, nMean, nSe,
            lMean.Sum(), sMean.Sum(), kMean.Sum(), kTotalSe, nMean.Sum(), nTotalSe);
    }

    /// <summary>
    /// The cross-entropy −Σ_s q(s | t_1..t_l) log p(s | t_1..t_l, w) of every window and input length, before any
    /// averaging: entry w·(C − 1) + l − 1 for window w and length l (the per-window values behind
    /// <see cref="LengthDecomposedLoss.CrossEntropy"/>, for means and standard errors over any subset of windows).
    /// </summary>
    public double[] CrossEntropyPerWindow(INextTokenPredictor model) => PerWindow(model).Cross;

    /// <summary>The truth's entropy H(q(· | t_1..t_l)) of every window and input length, laid out as
    /// <see cref="CrossEntropyPerWindow"/>.</summary>
    public ReadOnlySpan<double> EntropyPerWindow => _entropy;

    private (double[] Cross, double[] Kl, double[] Nll) PerWindow(INextTokenPredictor model)
    {
        if (model.VocabularySize != Truth.Vocabulary.Count)
            throw new ArgumentException($"The model's vocabulary size {model.VocabularySize} differs from the truth's {Truth.Vocabulary.Count}.", nameof(model));
        int n = Sample.Count, c = Sample.ContextLength, v = Truth.Vocabulary.Count, m = c - 1;
        var cross = new double[n * m];
        var kl = new double[n * m];
        var nll = new double[n * m];
        for (int first = 0; first < n; first += _batchSize)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            int b = Math.Min(_batchSize, n - first);
            var windows = Sample.ToTensor(first, b);
            var logp = model.LogProbabilities(windows).to_type(ScalarType.Float64).cpu().narrow(1, 0, m);
            var q = tensor(_q.AsSpan(first * c * v, b * c * v).ToArray(), [b, c, v]).narrow(1, 0, m);
            var positive = q.gt(0);
            var zero = zeros_like(q);
            var crossT = -where(positive, q * logp, zero).sum(-1);
            var klT = where(positive, q * (q.log() - logp), zero).sum(-1);
            var nllT = -logp.gather(-1, windows.narrow(1, 1, m).unsqueeze(-1)).squeeze(-1);
            crossT.contiguous().data<double>().CopyTo(cross, first * m);
            klT.contiguous().data<double>().CopyTo(kl, first * m);
            nllT.contiguous().data<double>().CopyTo(nll, first * m);
        }
        return (cross, kl, nll);
    }

    /// <summary>Per-length mean and standard error over windows, and the standard error of the per-window sum over lengths.</summary>
    private static (double[] Mean, double[] StandardError, double TotalStandardError) Summarise(double[] values, int n, int m)
    {
        var mean = new double[m];
        var se = new double[m];
        var totals = new double[n];
        for (int w = 0; w < n; w++)
            for (int i = 0; i < m; i++) { mean[i] += values[w * m + i] / n; totals[w] += values[w * m + i]; }
        for (int i = 0; i < m; i++)
        {
            double ss = 0;
            for (int w = 0; w < n; w++) { double d = values[w * m + i] - mean[i]; ss += d * d; }
            se[i] = n > 1 ? Math.Sqrt(ss / (n - 1) / n) : double.NaN;
        }
        double tm = totals.Average(), tss = totals.Sum(t => (t - tm) * (t - tm));
        return (mean, se, n > 1 ? Math.Sqrt(tss / (n - 1) / n) : double.NaN);
    }
}
