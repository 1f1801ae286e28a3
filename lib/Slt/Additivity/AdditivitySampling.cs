using Slt.Sampling;

namespace Slt.Additivity;

/// <summary>The SGLD settings of the transformer additivity estimates (joined and shared): a whole and its parts,
/// three runs per comparison, each part at n_f β.</summary>
public static class AdditivitySampling
{
    /// <summary>
    /// <see cref="NextTokenTarget.DefaultSettings"/> (γ = 2000, 4 chains, batches of 4 windows, mini-batch excess draws)
    /// with ε = 2e−5 (not 6e−6), 100 burn-in steps and 80 draws every 10 steps. Why: a part is tempered at n_f β, about
    /// half the whole's nβ, and restricted runs sample few weights, so the default ε left MALA acceptance at 0.96–0.99 and
    /// the parts' chains short of 100 effective draws (R̂ up to 1.27 on the shared blocks); at 2e−5 the acceptance
    /// stays ≥ 0.87 and every embedding- and unembedding-row run reaches R̂ ≤ 1.05 (docs/additivity.md, measured
    /// 2026-12-03). Compare estimates only at equal settings: λ̂ of a transformer depends on γ.
    /// </summary>
    public static SgldSettings Default { get; } = NextTokenTarget.DefaultSettings with
    {
        StepSize = 2e-5, BurnIn = 100, Draws = 80, StepsBetweenDraws = 10,
    };
}
