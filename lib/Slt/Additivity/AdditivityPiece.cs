using Slt.Estimators;
using Slt.GroundTruth;

namespace Slt.Additivity;

/// <summary>One piece of an additivity comparison: the whole potential or one part, in its own variables, with its exact
/// values (where quadrature covers it) and its SGLD estimate (when sampled).</summary>
/// <param name="Name"><c>whole</c>, <c>part 1</c>, <c>part 2</c>, …</param>
/// <param name="Formula">The piece as a sum of monomials in the whole's variables, e.g. <c>w1^2 + w1^2 w2^2</c>.</param>
/// <param name="Terms">The whole's term indices it holds.</param>
/// <param name="Variables">The whole's variable names it is a potential in (<c>w1</c>, …).</param>
/// <param name="Potential">The piece as a potential in those variables (renumbered from 1).</param>
/// <param name="Evidence">Exact log Z and E_t[tK] at t = n; null where quadrature does not cover the piece (a block of more than two variables).</param>
/// <param name="Sampled">Exact log Z and E_t[tK] at t = nβ (what λ̂ converges to); null where quadrature does not cover it.</param>
/// <param name="Coefficient">The exact asymptotic λ and m; null where unknown.</param>
/// <param name="Estimate">The SGLD estimate at nβ; null when only exact values were asked for.</param>
public sealed record AdditivityPiece(string Name, string Formula, int[] Terms, IReadOnlyList<string> Variables, NormalCrossingPotential Potential,
    ExactTemperedValues? Evidence, ExactTemperedValues? Sampled, PotentialLearningCoefficient? Coefficient, LlcResult? Estimate)
{
    /// <summary>Exact log Z_n.</summary>
    public double? LogEvidence => Evidence?.LogEvidence;

    /// <summary>Exact F_n = −log Z_n.</summary>
    public double? FreeEnergy => Evidence?.FreeEnergy;

    /// <summary>Exact E_t[tK] at t = nβ.</summary>
    public double? ExpectedTK => Sampled?.ExpectedTK;

    /// <summary>λ̂; null when not sampled or divergent.</summary>
    public double? LambdaHat => Estimate?.Mean;

    /// <summary>The standard error of λ̂.</summary>
    public double? LambdaHatStandardError => Estimate?.StandardError;

    /// <summary>(λ̂ − E_t[tK]) / E_t[tK].</summary>
    public double? RelativeError => LambdaHat is double h && ExpectedTK is double e && e != 0 ? (h - e) / e : null;
}
