using Slt.Additivity;
using Slt.Sampling;

namespace Slt.Transitions;

/// <summary>
/// What an LLC trajectory measures at every checkpoint: the sample L_n averages over, the evaluation sample of the
/// loss curves, the sampler, and whether each family's data-restricted λ̂ is taken too.
/// </summary>
/// <param name="Windows">N, windows of the sample the LLC's L_n averages over (n = N, nβ = N / log N).</param>
/// <param name="DataSeed">Seed of that sample.</param>
/// <param name="EvaluationWindows">Windows of the evaluation sample for L, K^l and the captured gain.</param>
/// <param name="EvaluationSeed">Seed of the evaluation sample.</param>
/// <param name="PerFamily">Also estimate each family's data-restricted λ̂_f on that family's windows of the sample, at
/// n_f β with the whole's β (<see cref="Truth.FamilyPartition.PartNBeta"/>).</param>
public sealed record LlcTrajectorySettings(int Windows = 256, long DataSeed = 11, int EvaluationWindows = 1024, long EvaluationSeed = 5, bool PerFamily = true)
{
    /// <summary>The sampler, the same at every checkpoint: <see cref="AdditivitySampling.Default"/> unless set
    /// (γ = 2000, ε = 2e−5, 4 chains × (100 + 80 × 10 steps), batches of 4 windows, mini-batch excess draws).
    /// Why not <see cref="NextTokenTarget.DefaultSettings"/>: a trajectory takes 14 × 3 estimates, and the
    /// additivity settings reach the same diagnostics at half the steps on the restricted samples (docs/transitions.md).</summary>
    public SgldSettings Sampler { get; init; } = AdditivitySampling.Default;

    /// <summary>The settings a notebook uses: the defaults above.</summary>
    public static LlcTrajectorySettings Default { get; } = new();

    /// <summary>Checks the sizes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is below what the estimates need.</exception>
    public LlcTrajectorySettings Validated()
    {
        if (Windows < 8) throw new ArgumentOutOfRangeException(nameof(Windows), Windows, "The LLC sample needs at least 8 windows.");
        if (EvaluationWindows < 8) throw new ArgumentOutOfRangeException(nameof(EvaluationWindows), EvaluationWindows, "The evaluation sample needs at least 8 windows.");
        ArgumentNullException.ThrowIfNull(Sampler);
        if (Sampler.NBeta is not null)
            throw new ArgumentException("The trajectory sets nβ itself (N / log N for the whole, n_f β for a family); leave Sampler.NBeta unset.", nameof(Sampler));
        return this;
    }
}
