using Slt.GroundTruth;

namespace Slt.Additivity;

/// <summary>The exact learning coefficient λ and multiplicity m of a potential, with the rule that gives them.</summary>
/// <param name="Lambda">λ (real log canonical threshold at w* = 0 on the box [−1, 1]^d).</param>
/// <param name="Multiplicity">m.</param>
/// <param name="Rule">Why it is exact, in words.</param>
public sealed record PotentialLearningCoefficient(double Lambda, int Multiplicity, string Rule)
{
    /// <summary>
    /// λ and m where they are exact: first drop every term T_b that another term T_a divides (k_a ≤ k_b in every
    /// variable; on the box |w_i| ≤ 1, so T_b ≤ T_a and K_reduced ≤ K ≤ 2 K_reduced), then apply the normal-crossing and
    /// disjoint-sum rules of docs/ground-truth.md §2 (<see cref="NormalCrossingPotential.LearningCoefficient"/>). Null
    /// ("unknown") when a block of the reduced potential still has several terms sharing variables.
    /// </summary>
    /// <remarks>
    /// The reduction keeps λ and m: from K_r ≤ K ≤ 2K_r, Z_r(2t) ≤ Z(t) ≤ Z_r(t), and Z_r(t) ≍ t^{−λ} (log t)^{m−1} makes
    /// both bounds, hence Z(t), of that order. Example: w₁² + w₁²w₂² = w₁²(1 + w₂²) reduces to w₁²: λ = 1/2, m = 1.
    /// </remarks>
    public static PotentialLearningCoefficient? Of(NormalCrossingPotential potential)
    {
        ArgumentNullException.ThrowIfNull(potential);
        var reduced = WithoutDominatedTerms(potential);
        if (reduced.LearningCoefficient() is not var (lambda, m)) return null;
        bool dropped = reduced.Exponents.Count < potential.Exponents.Count;
        int blocks = reduced.DisjointBlocks().Count;
        string rule = (dropped ? $"dominated terms dropped ({potential.Notation} ≍ {reduced.Notation}), then " : "")
            + (blocks > 1 ? "λ and m − 1 add over disjoint blocks of monomials" : "a single monomial (normal crossing)");
        return new PotentialLearningCoefficient(lambda, m, rule);
    }

    /// <summary>The potential without the terms another term divides (and without repeated terms): K_r with K_r ≤ K ≤ c K_r
    /// on the box, c the number of terms.</summary>
    public static NormalCrossingPotential WithoutDominatedTerms(NormalCrossingPotential potential)
    {
        ArgumentNullException.ThrowIfNull(potential);
        var terms = potential.Exponents;
        var kept = new List<int[]>();
        for (int b = 0; b < terms.Count; b++)
        {
            bool dominated = false;
            for (int a = 0; a < terms.Count && !dominated; a++)
            {
                if (a == b) continue;
                bool divides = terms[a].Zip(terms[b]).All(p => p.First <= p.Second);
                bool equal = terms[a].SequenceEqual(terms[b]);
                dominated = divides && (!equal || a < b); // of equal terms, keep the first
            }
            if (!dominated) kept.Add(terms[b]);
        }
        return kept.Count == terms.Count ? potential : new NormalCrossingPotential(kept);
    }
}
