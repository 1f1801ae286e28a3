using Slt.Estimators;
using Slt.GroundTruth;
using Slt.Sampling;

namespace Slt.Contexts;

/// <summary>
/// An exactly solvable mother and daughter: the mother is the daughter composed with a product map. Daughter: regular
/// linear regression y = Dx + ξ, x ∼ N(0, I_{H₁}), ξ ∼ N(0, I_{H_{L+1}}), D ∈ ℝ^{H_{L+1}×H₁}, with λ_daughter = d/2 = H₁H_{L+1}/2
/// and m = 1. Mother: the same model with D = F(w) = W_L ⋯ W₁, a deep linear network of widths H₁ (input), …, H_{L+1}
/// (output), at a true parameter w* whose end-to-end matrix D* = F(w*) has rank r (the teacher).
/// </summary>
/// <remarks>
/// <para><b>Why K_mother = K_daughter ∘ F.</b> Both models are p(y | x, D) = N(y; Dx, I), the mother through D = F(w). With
/// q(x, y) = N(x; 0, I) N(y; D*x, I), K_daughter(D) = E_q[log p(y|x,D*) − log p(y|x,D)] = ½‖D − D*‖²_F, and
/// K_mother(w) = E_q[log p(y|x,F(w*)) − log p(y|x,F(w))] = ½‖F(w) − D*‖²_F = K_daughter(F(w)). On a sample the same
/// holds for the empirical losses, L_n^mother = L_n^daughter ∘ F, so both are estimated on one data set.</para>
/// <para><b>Exact values.</b> λ_mother and its multiplicity are Aoyagi's for the product
/// (<see cref="DeepLinearNetworkCoefficient.Compute"/>); at r = 0 (w* = 0) the local coefficient at w* is that global one
/// (docs/ground-truth.md §3). For r &gt; 0, w* is the teacher factorised through the first r units of every layer, where
/// Aoyagi's reduction (a regular part r(H₁ + H_{L+1}) − r² and the rank-0 network of widths H_j − r) is made; that the
/// local coefficient there is the global λ is checked by the sampler (docs/contexts.md), not proved here.
/// λ_mother ≤ λ_daughter holds for every shape the tests enumerate (all widths up to 7 for two and three factors, up to 5
/// for four, every r); where some w near w* makes F a submersion onto a neighbourhood of D*, K_mother is there K_daughter in
/// other coordinates, so λ_mother(w*) ≤ λ_daughter. Equality with a larger multiplicity occurs, e.g. widths [2, 3, 2] at
/// r = 0: λ = 2 both, m = 2 against 1.</para>
/// <para>A fixed middle factor, F(w) = W_L ⋯ W_{k+1} Σ W_k ⋯ W₁ (the one-head linear-attention map W_O W_V Σ_C W_Kᵀ W_Q with a
/// context Gram Σ_C), reduces to this case: writing Σ = U S Uᵀ with rank s, (W_{k+1}U S^{½}, S^{½}UᵀW_k) is a linear change of
/// coordinates of part of w, so λ is Aoyagi's for the widths with H_{k+1} replaced by s (the other coordinates are unused).</para>
/// </remarks>
public sealed record ProductComposite
{
    /// <summary>Default sample size n.</summary>
    public const long DefaultSampleSize = 100_000;

    /// <summary>
    /// Default nβ = 500, i.e. β = nβ/n = 0.005 at the default n, not β = 1/log n. The sample's own fluctuation of λ̂ at a
    /// true parameter is of order β·√λ (in a regular model λ̂ + βν̂ − λ = −β(χ²_d − d)/2, standard deviation β√(d/2)): 6% of
    /// λ for the daughter of [1, 3, 5] at β = 1/log n, where single data seeds missed λ by up to 12% (docs/contexts.md); at
    /// β = 0.005 it is below 1%. The cost of a run is set by nβ: ε must shrink as 1/nβ (the curvature grows as nβ) while
    /// the chains need a fixed Langevin time to reach the prior's scale, so the steps grow as nβ.
    /// </summary>
    public const double DefaultNBeta = 500;

    /// <summary>Default number of chains of each run.</summary>
    public const int DefaultChains = 32;

    /// <summary>The composite for widths H₁, …, H_{L+1} (input first), teacher rank r, sample size n and seed.</summary>
    /// <param name="widths">H₁ (input), …, H_{L+1} (output); at least three (a product of at least two factors).</param>
    /// <param name="rank">r, the rank of D* = F(w*); 0 ≤ r ≤ min H_j. r = 0 puts w* at the origin.</param>
    /// <param name="sampleSize">n, the number of data points (x, y) both models are estimated on.</param>
    /// <param name="seed">Seed of the teacher, the data and the sampler.</param>
    /// <param name="source">The sample's loss (default) or the population loss K (no sample).</param>
    public ProductComposite(IReadOnlyList<int> widths, int rank = 0, long sampleSize = DefaultSampleSize, long seed = 1,
        LossSource source = LossSource.Sample)
    {
        ArgumentNullException.ThrowIfNull(widths);
        if (widths.Count < 3)
            throw new ArgumentException(
                $"widths: a product map needs at least two factors, i.e. three widths H₁, H₂, H₃ (input first); got [{string.Join(",", widths)}]. With two widths the mother is the daughter.",
                nameof(widths));
        if (widths.Any(h => h <= 0))
            throw new ArgumentException($"widths: every width must be a positive integer; got [{string.Join(",", widths)}].", nameof(widths));
        int narrowest = widths.Min();
        if (rank < 0 || rank > narrowest)
            throw new ArgumentException(
                $"rank: the teacher's rank r must lie in 0..{narrowest} (a product through a layer of width {narrowest} has rank at most {narrowest}); got {rank}.",
                nameof(rank));
        if (sampleSize < 3 || sampleSize > 50_000_000)
            throw new ArgumentException($"sampleSize: n must lie in 3..5e7; got {sampleSize}.", nameof(sampleSize));
        Widths = widths.ToArray();
        Rank = rank;
        SampleSize = sampleSize;
        Seed = seed;
        Source = source;
        Mother = DeepLinearNetworkCoefficient.Compute(Widths, rank);
        Daughter = new LearningCoefficient(widths[0] * widths[^1] / 2.0, 1);
    }

    /// <summary>H₁ (input), …, H_{L+1} (output): the widths of the product map F.</summary>
    public IReadOnlyList<int> Widths { get; }

    /// <summary>r, the rank of D* = F(w*).</summary>
    public int Rank { get; }

    /// <summary>n.</summary>
    public long SampleSize { get; }

    /// <summary>Seed of the teacher, the data and the sampler.</summary>
    public long Seed { get; }

    /// <summary>Sample or population loss.</summary>
    public LossSource Source { get; }

    /// <summary>L, the number of factors of F.</summary>
    public int Depth => Widths.Count - 1;

    /// <summary>The daughter's widths [H₁, H_{L+1}]: one matrix D.</summary>
    public IReadOnlyList<int> DaughterWidths => [Widths[0], Widths[^1]];

    /// <summary>λ_mother and its multiplicity: Aoyagi's formula for the product at rank r.</summary>
    public LearningCoefficient Mother { get; }

    /// <summary>λ_daughter = H₁H_{L+1}/2, m = 1: regular linear regression.</summary>
    public LearningCoefficient Daughter { get; }

    /// <summary>d of the mother, Σ_j H_j H_{j+1}.</summary>
    public int MotherDimension => DeepLinearNetworkCoefficient.ParameterCount(Widths);

    /// <summary>d of the daughter, H₁ H_{L+1}.</summary>
    public int DaughterDimension => Widths[0] * Widths[^1];

    /// <summary>λ_daughter − λ_mother ≥ 0: what the degeneracy of F removes.</summary>
    public double Gap => Daughter.Lambda - Mother.Lambda;

    /// <summary>"[1,3,5] r=0".</summary>
    public string Name => $"[{string.Join(",", Widths)}] r={Rank}";

    /// <summary>
    /// The mother's sampler settings at <paramref name="nBeta"/> (default <see cref="DefaultNBeta"/>): γ = 1, ε = 0.02/nβ,
    /// burn-in 120·nβ steps (Langevin time ε·steps = 2.4) and 50 draws 0.8·nβ steps apart (60,000 and 400 at nβ = 500),
    /// chains started at w*. Chains started at the origin have to diffuse out to the prior's scale before the loss settles:
    /// at nβ = 1000 and a third of this Langevin time [1,2,3,4] read 5% low and failed R̂ ≤ 1.01. At nβ = 1000, ε·nβ = 0.04 read 1–3%
    /// higher than 0.02 on [1,3,5] and [3,2,4] at r = 1, and ε·nβ = 0.17 (the setting of
    /// <see cref="GroundTruthCases.DeepLinearSettings"/> for [5,3,5]) 15% high on [1,3,5] (docs/contexts.md).
    /// </summary>
    public SgldSettings MotherSettings(double nBeta = DefaultNBeta, int chains = DefaultChains) => new()
    {
        StepSize = 0.02 / Positive(nBeta), NBeta = nBeta, Localization = 1, Chains = chains,
        BurnIn = Steps(120 * nBeta), Draws = 50, StepsBetweenDraws = Steps(0.8 * nBeta), Seed = Seed,
    };

    /// <summary>
    /// The daughter's sampler settings at <paramref name="nBeta"/>: γ = 1, ε = 0.02/nβ (every direction of the regular model
    /// has curvature ≈ nβ, so the step inflates the posterior variance by about ε·nβ/4 = 0.5% and the chains relax in about
    /// 2/(ε·nβ) = 100 steps), burn-in 4·nβ steps and 50 draws 0.4·nβ steps apart (2,000 and 200 at nβ = 500).
    /// </summary>
    public SgldSettings DaughterSettings(double nBeta = DefaultNBeta, int chains = DefaultChains) => new()
    {
        StepSize = 0.02 / Positive(nBeta), NBeta = nBeta, Localization = 1, Chains = chains,
        BurnIn = Steps(4 * nBeta), Draws = 50, StepsBetweenDraws = Steps(0.4 * nBeta), Seed = Seed,
    };

    private static double Positive(double nBeta) =>
        nBeta > 0 && double.IsFinite(nBeta) ? nBeta : throw new ArgumentException($"nBeta: nβ must be positive and finite; got {nBeta}.", nameof(nBeta));

    private static int Steps(double steps) =>
        steps is >= 1 and <= int.MaxValue ? (int)Math.Round(steps) : throw new ArgumentOutOfRangeException(nameof(steps), steps, "nβ gives a step count outside 1..2³¹.");

    /// <summary>
    /// Estimates both learning coefficients with the sampler on one data set: the mother (the deep linear network) at w*,
    /// the daughter (one matrix D) at D* = F(w*), each with the library's diagnostics and, on a sample, the fluctuation
    /// correction (both w* are true parameters).
    /// </summary>
    /// <param name="mother">Sampler settings of the mother; null: <see cref="MotherSettings"/>.</param>
    /// <param name="daughter">Sampler settings of the daughter; null: <see cref="DaughterSettings"/>.</param>
    /// <param name="progress">Sampling progress of each run, in turn (mother first).</param>
    /// <param name="cancellationToken">Cancels between steps.</param>
    public ProductCompositeEstimate Estimate(SgldSettings? mother = null, SgldSettings? daughter = null,
        IProgress<SamplingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        mother ??= MotherSettings();
        daughter ??= DaughterSettings();
        using var motherTarget = new DeepLinearNetworkTarget(Widths, Rank, SampleSize, Seed, Source);
        using var daughterTarget = motherTarget.EndToEnd();
        var motherResult = LocalLearningCoefficient.Estimate(motherTarget, mother,
            new KnownTruth(Mother.Lambda, Mother.Multiplicity, null), progress, cancellationToken: cancellationToken);
        var daughterResult = LocalLearningCoefficient.Estimate(daughterTarget, daughter,
            new KnownTruth(Daughter.Lambda, Daughter.Multiplicity, null), progress, cancellationToken: cancellationToken);
        return new ProductCompositeEstimate(this, motherResult, daughterResult);
    }
}
