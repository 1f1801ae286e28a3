using static TorchSharp.torch;

namespace Slt.Model;

/// <summary>
/// A model p(y | x, w) of the next token: for windows [B, C] of token ids, returns log p(· | t_1..t_l) for every input
/// length l = 1..C at once, as a [B, C, |S|] tensor (row l − 1 predicts t_{l+1}). The transformer and the exact truth
/// (<see cref="Slt.Truth.BayesOracle"/>) both are such models, so every loss can be computed for either.
/// </summary>
public interface INextTokenPredictor
{
    int VocabularySize { get; }

    /// <summary>log p(t_{l+1} = s | t_1..t_l), shape [B, C, |S|], float32 or float64.</summary>
    Tensor LogProbabilities(Tensor windows);
}
