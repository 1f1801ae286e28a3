using Microsoft.Data.Analysis;
using Slt.Sampling;

namespace Slt.Transitions;

/// <summary>One seed's estimate of the closed-form case, with the variants a wrong estimator would have given from the
/// same draws (for the test's power: each must be far from the exact χ).</summary>
/// <param name="Seed">The sampler's seed.</param>
/// <param name="Estimate">χ̂ = −nβ Ĉov[L_q, L_{q'} − L_q] ± se.</param>
/// <param name="WithoutNBeta">−Ĉov[L_q, L_{q'} − L_q] (the factor nβ dropped).</param>
/// <param name="AgainstShiftedLoss">−nβ Ĉov[L_q, L_{q'}] (the covariance with L_{q'} instead of the difference).</param>
/// <param name="Seconds">Wall-clock seconds of the sampling run.</param>
public sealed record GaussianSusceptibilitySeed(long Seed, SusceptibilityValue Estimate, double WithoutNBeta, double AgainstShiftedLoss, double Seconds);

/// <summary>
/// The susceptibility estimator against its closed-form case: χ exact (<see cref="GaussianShift.ExactSusceptibility"/>),
/// its covariance form and a finite difference of E_h[φ], against χ̂ from SGLD on <see cref="GaussianShiftTarget"/>
/// with the same code path as the transformer's (draw observables, <see cref="SusceptibilityEstimator"/>), over seeds.
/// </summary>
/// <param name="Case">The quadratic losses.</param>
/// <param name="Block">Sampled coordinates (0-based), or null for all.</param>
/// <param name="Exact">χ, by differentiating E_h[φ].</param>
/// <param name="CovarianceForm">−nβ Cov_0[φ, ΔL] from the Gaussian moments (equal to <paramref name="Exact"/>).</param>
/// <param name="FiniteDifference">(E_δ[φ] − E_{−δ}[φ])/2δ at δ = 1e−4.</param>
/// <param name="Seeds">One estimate per seed.</param>
public sealed record GaussianSusceptibilityCheck(GaussianShift Case, IReadOnlyList<int>? Block, double Exact, double CovarianceForm,
    double FiniteDifference, IReadOnlyList<GaussianSusceptibilitySeed> Seeds)
{
    /// <summary>
    /// SGLD settings of the check: 1024 chains (one batched tensor), ε = 1e−3, 800 burn-in steps, 400 draws every 5 steps,
    /// no MALA tracking, full batch. Why: the largest precision of <see cref="GaussianShift.Default"/> is 24, so εP ≤ 0.024
    /// and the Euler scheme's stationary variance 1/(P(1 − εP/4)) is within 0.6% of the exact one; the slowest coordinate
    /// (P = 9) relaxes over 2/(εP) ≈ 220 steps, so burn-in is about 3.6 of those and a chain's 2000 post-burn-in steps 9.
    /// </summary>
    public static SgldSettings DefaultSettings { get; } = new()
    {
        StepSize = 1e-3, Chains = 1024, BurnIn = 800, Draws = 400, StepsBetweenDraws = 5, TrackMalaAcceptance = false,
    };

    /// <summary>Mean of the seeds' χ̂.</summary>
    public double MeanEstimate => Seeds.Average(s => s.Estimate.Chi);

    /// <summary>Standard error of <see cref="MeanEstimate"/> from the seeds' own errors: √(Σ se²)/k.</summary>
    public double MeanStandardError => Math.Sqrt(Seeds.Sum(s => s.Estimate.StandardError * s.Estimate.StandardError)) / Seeds.Count;

    /// <summary>(mean χ̂ − χ) / se of the mean.</summary>
    public double ZScore => (MeanEstimate - Exact) / MeanStandardError;

    /// <summary>Runs the check: one SGLD run per seed (Seed, Seed + 1, …) on <see cref="GaussianShiftTarget"/>.</summary>
    /// <param name="gaussian">The case; default <see cref="GaussianShift.Default"/>.</param>
    /// <param name="settings">SGLD settings (default <see cref="DefaultSettings"/>); NBeta, Localization and
    /// SampledParameters are set from the case and the block.</param>
    /// <param name="seeds">Number of seeds (≥ 1).</param>
    /// <param name="block">Sampled coordinates (0-based); null: all.</param>
    /// <param name="batchesPerChain">Batches per chain for the standard error.</param>
    /// <exception cref="ArgumentException">seeds &lt; 1 or a bad block.</exception>
    public static GaussianSusceptibilityCheck Run(GaussianShift? gaussian = null, SgldSettings? settings = null, int seeds = 4,
        IReadOnlyList<int>? block = null, int batchesPerChain = 4)
    {
        gaussian ??= GaussianShift.Default;
        settings ??= DefaultSettings;
        if (seeds < 1) throw new ArgumentException($"seeds must be ≥ 1; got {seeds}.", nameof(seeds));
        double exact = gaussian.ExactSusceptibility(block);
        var names = block?.Select(i => gaussian.VariableNames[i]).ToArray();
        var target = new GaussianShiftTarget(gaussian);
        var results = new List<GaussianSusceptibilitySeed>();
        for (int k = 0; k < seeds; k++)
        {
            var s = settings with
            {
                NBeta = gaussian.NBeta, Localization = gaussian.Localization, SampledParameters = names, Seed = settings.Seed + k,
            };
            var run = Sgld.Run(target, s);
            var draws = run.DrawObservables ?? throw new InvalidOperationException("The Gaussian target recorded no draw observables.");
            var phi = draws.Select(c => c.Select(d => d[0]).ToArray()).ToArray();
            var shift = draws.Select(c => c.Select(d => d[1] - d[0]).ToArray()).ToArray();
            var shifted = draws.Select(c => c.Select(d => d[1]).ToArray()).ToArray();
            var estimate = SusceptibilityEstimator.Estimate(run.NBeta, phi, shift, batchesPerChain);
            double withoutNBeta = estimate.Chi / run.NBeta;
            double againstShifted = SusceptibilityEstimator.Estimate(run.NBeta, phi, shifted, batchesPerChain).Chi;
            results.Add(new GaussianSusceptibilitySeed(s.Seed, estimate, withoutNBeta, againstShifted, run.Seconds));
        }
        return new GaussianSusceptibilityCheck(gaussian, block, exact, gaussian.ExactCovarianceForm(block), gaussian.FiniteDifference(1e-4, block), results);
    }

    /// <summary>One row per seed: χ̂ ± se, its z-score against the exact χ, and the wrong variants.</summary>
    public DataFrame ToDataFrame() => new(
        new PrimitiveDataFrameColumn<long>("seed", Seeds.Select(s => s.Seed)),
        new DoubleDataFrameColumn("chi_exact", Seeds.Select(_ => Exact)),
        new DoubleDataFrameColumn("chi_hat", Seeds.Select(s => s.Estimate.Chi)),
        new DoubleDataFrameColumn("chi_se", Seeds.Select(s => s.Estimate.StandardError)),
        new DoubleDataFrameColumn("z", Seeds.Select(s => s.Estimate.ZScore(Exact))),
        new DoubleDataFrameColumn("without_nbeta", Seeds.Select(s => s.WithoutNBeta)),
        new DoubleDataFrameColumn("against_shifted_loss", Seeds.Select(s => s.AgainstShiftedLoss)),
        new DoubleDataFrameColumn("seconds", Seeds.Select(s => s.Seconds)));
}
