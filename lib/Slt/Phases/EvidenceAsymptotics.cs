using Slt.GroundTruth;

namespace Slt.Phases;

/// <summary>
/// The leading term of the evidence of a potential on [−1, 1]^d with the uniform prior:
/// Z(n) = ∫ φ e^{−nK} ≈ C n^{−λ} (log n)^{m−1}, so F_n = −log Z(n) ≈ λ log n − (m − 1) log log n − log C.
/// </summary>
/// <param name="Lambda">λ, the learning coefficient.</param>
/// <param name="Multiplicity">m, its multiplicity.</param>
/// <param name="LogConstant">log C, where it has a closed form (see <see cref="Of"/>); null otherwise.</param>
public sealed record EvidenceAsymptotics(double Lambda, int Multiplicity, double? LogConstant)
{
    /// <summary>
    /// λ, m and log C of a normal-crossing potential. K is even in every variable, so Z = ∫_{[0,1]^d} e^{−nK}; over
    /// disjoint blocks Z factorises, λ and m − 1 add and the constants multiply. Closed forms, per block:
    /// one variable with terms w^{2k_1} + … : C = Γ(1 + 1/(2k)) for the smallest k (λ = 1/(2k), m = 1);
    /// one monomial x^{2a}y^{2b} with a &lt; b: C = Γ(1 + 1/(2b)) · b/(b − a) (λ = 1/(2b), m = 1), from
    /// ∫_0^1 Γ(1 + 1/(2b)) (n x^{2a})^{−1/(2b)} dx; with a = b = k: C = Γ(1 + 1/(2k))/(2k) (λ = 1/(2k), m = 2), from
    /// ∫_{n^{−1/(2k)}}^1 Γ(1 + 1/(2k)) (n^{1/(2k)} x)^{−1} dx. A two-variable block with several terms has λ only where
    /// <see cref="NormalCrossingPotential.LearningCoefficient"/> knows it, and no constant here.
    /// </summary>
    /// <returns>Null when λ itself has no closed form.</returns>
    public static EvidenceAsymptotics? Of(NormalCrossingPotential potential)
    {
        ArgumentNullException.ThrowIfNull(potential);
        if (potential.LearningCoefficient() is not var (lambda, m)) return null;
        double? logC = 0;
        foreach (var (vars, terms) in potential.DisjointBlocks())
        {
            if (vars.Length == 1)
            {
                int k = terms.Min(t => t[0]);
                logC += LogGamma(1 + 1.0 / (2 * k));
            }
            else if (vars.Length == 2 && terms.Length == 1 && terms[0].All(k => k > 0))
            {
                int a = Math.Min(terms[0][0], terms[0][1]), b = Math.Max(terms[0][0], terms[0][1]);
                logC += a == b
                    ? LogGamma(1 + 1.0 / (2 * a)) - Math.Log(2 * a)
                    : LogGamma(1 + 1.0 / (2 * b)) + Math.Log(b / (double)(b - a));
            }
            else logC = null;
        }
        return new EvidenceAsymptotics(lambda, m, logC);
    }

    /// <summary>log Γ(x) for x &gt; 0 (Lanczos, g = 7, nine terms; relative error below 1e−14 on (0, 10]).</summary>
    public static double LogGamma(double x)
    {
        if (!(x > 0)) throw new ArgumentOutOfRangeException(nameof(x), x, "LogGamma needs x > 0.");
        if (x < 0.5) return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);
        ReadOnlySpan<double> c =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        x -= 1;
        double sum = c[0];
        for (int i = 1; i < c.Length; i++) sum += c[i] / (x + i);
        double t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }
}
