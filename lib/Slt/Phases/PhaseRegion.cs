using Slt.GroundTruth;

namespace Slt.Phases;

/// <summary>
/// One region W_α of a learning machine's parameter space: the loss K_α(w) = c_α + f_α(w) on the box [−1, 1]^d with the
/// uniform prior inside, and the prior mass π_α of the whole region. Its evidence at sample size n (the potential playing
/// L_n = K) is Z_α(n) = π_α e^{−n c_α} ∫ φ e^{−n f_α}, exact by <see cref="PotentialQuadrature"/>.
/// </summary>
/// <param name="Name">A label (e.g. "simple").</param>
/// <param name="Loss">c_α ≥ 0, the region's lowest loss L(w_α*).</param>
/// <param name="Shape">f_α, a normal-crossing potential with minimum 0: the region's geometry, hence its λ_α.</param>
/// <param name="PriorMass">π_α &gt; 0, the prior probability of the region (the machine's masses need not sum to 1: only
/// ratios matter).</param>
public sealed record PhaseRegion(string Name, double Loss, NormalCrossingPotential Shape, double PriorMass = 0.5)
{
    /// <summary>Throws a parameter-naming exception when a field is out of range; returns this region otherwise.</summary>
    public PhaseRegion Validate()
    {
        if (string.IsNullOrWhiteSpace(Name)) throw new ArgumentException("A region needs a name.", nameof(Name));
        if (!(Loss >= 0) || double.IsInfinity(Loss)) throw new ArgumentOutOfRangeException(nameof(Loss), Loss, $"region {Name}: the loss c must be finite and ≥ 0.");
        ArgumentNullException.ThrowIfNull(Shape, nameof(Shape));
        if (Shape.DisjointBlocks().Any(b => b.Variables.Length > 2))
            throw new ArgumentException($"region {Name}: the shape {Shape.Notation} couples more than two variables, beyond the exact quadrature.", nameof(Shape));
        if (!(PriorMass > 0) || double.IsInfinity(PriorMass))
            throw new ArgumentOutOfRangeException(nameof(PriorMass), PriorMass, $"region {Name}: the prior mass must be finite and > 0.");
        return this;
    }

    /// <summary>λ, m and log C of the shape (null where λ has no closed form).</summary>
    public EvidenceAsymptotics? Asymptotics => EvidenceAsymptotics.Of(Shape);

    /// <summary>Exact F_α(n) = −log Z_α(n) = −log π_α + n c_α − log ∫ φ e^{−n f_α}.</summary>
    public double FreeEnergy(double n) => -Math.Log(PriorMass) + n * Loss + PotentialQuadrature.At(Shape, n).FreeEnergy;

    /// <summary>The asymptotic free energy with the terms of <paramref name="terms"/>; null when a needed term has no
    /// closed form (λ, or log C for <see cref="FreeEnergyTerms.Constant"/>).</summary>
    public double? PredictedFreeEnergy(double n, FreeEnergyTerms terms)
    {
        if (Asymptotics is not { } a) return null;
        double f = n * Loss + a.Lambda * Math.Log(n);
        if (terms >= FreeEnergyTerms.LogLog) f -= (a.Multiplicity - 1) * Math.Log(Math.Log(n));
        if (terms >= FreeEnergyTerms.Prior) f -= Math.Log(PriorMass);
        if (terms >= FreeEnergyTerms.Constant)
        {
            if (a.LogConstant is not double logC) return null;
            f -= logC;
        }
        return f;
    }
}

/// <summary>Which terms of the asymptotic expansion F_n(W_α) ≈ −log π_α + n c_α + λ_α log n − (m_α − 1) log log n − log C_α
/// a prediction keeps; each level keeps those of the levels before it.</summary>
public enum FreeEnergyTerms
{
    /// <summary>n c + λ log n: the seminar's formula.</summary>
    Leading,
    /// <summary>… − (m − 1) log log n.</summary>
    LogLog,
    /// <summary>… − log π (the region's prior mass).</summary>
    Prior,
    /// <summary>… − log C (the O(1) constant of the evidence's leading term).</summary>
    Constant,
}
