using Slt.Model;
using static TorchSharp.torch;

namespace Slt.Truth;

/// <summary>
/// The truth as a predictor: returns the exact log q(· | t_1..t_l) for every prefix of each window (float64; −∞ where
/// q = 0). A model with these outputs has K^l = 0 at every length, the Bayes limit of in-context learning.
/// </summary>
public sealed class BayesOracle(TrueDistribution truth) : INextTokenPredictor
{
    public TrueDistribution Truth { get; } = truth;

    public int VocabularySize => Truth.Vocabulary.Count;

    public Tensor LogProbabilities(Tensor windows) => tensor(Conditionals(windows), [windows.shape[0], windows.shape[1], VocabularySize]).log();

    /// <summary>q(· | t_1..t_l) for every window and prefix, flattened [B, T, |S|].</summary>
    public double[] Conditionals(Tensor windows)
    {
        if (windows.dim() != 2) throw new ArgumentException("windows must be [B, T].", nameof(windows));
        int b = (int)windows.shape[0], t = (int)windows.shape[1], v = VocabularySize;
        var ids = windows.to_type(ScalarType.Int64).cpu().data<long>().ToArray();
        var result = new double[b * t * v];
        Parallel.For(0, b, w =>
        {
            var window = new int[t];
            for (int i = 0; i < t; i++) window[i] = checked((int)ids[w * t + i]);
            Truth.Filter(window, result.AsSpan(w * t * v, t * v));
        });
        return result;
    }
}
