namespace Slt.Sampling;

/// <summary>Progress of a sampling run: steps done out of the total, over all chain groups.</summary>
public readonly record struct SamplingProgress(long Step, long TotalSteps, string Stage);

/// <summary>
/// What SGLD produced: per-chain losses at w* and along the chain (burn-in excluded), and the MALA acceptance of its
/// proposals. Estimators (<c>Slt.Estimators</c>) and diagnostics (<c>Slt.Diagnostics</c>) read it; nothing here is an estimate.
/// </summary>
/// <param name="Settings">The settings the run used.</param>
/// <param name="NBeta">The nβ the run used (the only place estimators take it from).</param>
/// <param name="SampleSize">n of the target.</param>
/// <param name="SampledParameters">Names of the sampled parameters.</param>
/// <param name="SampledDimension">Number of sampled scalar coordinates per chain.</param>
/// <param name="Baseline">L_n(w*) per chain, on the evaluation set.</param>
/// <param name="Draws">Draws[c][k] = L_n(w) of chain c at its k-th recorded draw (after burn-in).</param>
/// <param name="MeanLoss">Mean of L_n(w) per chain over every post-burn-in step (full batch) or over the draws (mini-batch).</param>
/// <param name="MalaAcceptance">Mean MALA acceptance probability of each chain's post-burn-in proposals; NaN when not tracked.</param>
/// <param name="Seconds">Wall-clock seconds of the run.</param>
public sealed record SamplingRun(
    SgldSettings Settings,
    double NBeta,
    long SampleSize,
    IReadOnlyList<string> SampledParameters,
    long SampledDimension,
    double[] Baseline,
    double[][] Draws,
    double[] MeanLoss,
    double[] MalaAcceptance,
    double Seconds)
{
    /// <summary>Per chain, the functional variance V_n = Σ_{i≤n} Var_w[ℓ_i(w)] of the per-point negative
    /// log-likelihoods over the post-burn-in draws (estimated on the target's m points and scaled to all of its data points); null when
    /// the target has no per-point losses (<see cref="ChainGroup.PointwiseLoss"/>).</summary>
    public double[]? FunctionalVariance { get; init; }

    /// <summary>DrawObservables[c][k] = the m observables of chain c at its k-th draw, when the target's groups record them
    /// (<see cref="ChainGroup.HasDrawObservables"/>); null otherwise.</summary>
    public double[][][]? DrawObservables { get; init; }

    /// <summary>What w* was (from the target): the fluctuation correction applies only at a true parameter.</summary>
    public OptimumKind OptimumKind { get; init; } = OptimumKind.FittedToSample;

    /// <summary>How many chain groups ran at the same time (threads); 1 when one after another.</summary>
    public int ParallelGroups { get; init; } = 1;

    /// <summary>CPU seconds of the whole process during the run (all threads); NaN when not measured.</summary>
    public double CpuSeconds { get; init; } = double.NaN;

    /// <summary>Number of chains.</summary>
    public int Chains => Baseline.Length;

    /// <summary>Chain-steps per second (all chains, burn-in included).</summary>
    public double ChainStepsPerSecond => Seconds > 0 ? Chains * (double)Settings.TotalSteps / Seconds : double.NaN;

    /// <summary>The per-draw trace nβ (L_n(w) − L_n(w*)) of chain <paramref name="chain"/>.</summary>
    public double[] ExcessTrace(int chain) => Draws[chain].Select(l => NBeta * (l - Baseline[chain])).ToArray();
}
