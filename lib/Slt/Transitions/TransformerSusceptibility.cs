
using Slt.Contexts;
using Slt.Diagnostics;
using Slt.Model;
using Slt.Sampling;
using Slt.Truth;

namespace Slt.Transitions;

/// <summary>One susceptibility of the transformer: block C, shift q → q', at one checkpoint.</summary>
/// <param name="Step">The training step of the checkpoint.</param>
/// <param name="Block">The sampled block (a <see cref="ParameterSubset"/> spec).</param>
/// <param name="Shift">The shift's name (<see cref="DataShift.Name"/>).</param>
/// <param name="Chi">χ̂_C = −nβ Ĉov[φ_C, L_{q'} − L_q], φ_C = L_n at the block-restricted draws.</param>
/// <param name="StandardError">Batch-means standard error of χ̂.</param>
/// <param name="Dimension">Sampled coordinates of the block.</param>
/// <param name="ObservableEss">Effective sample size of the φ_C trace over all chains.</param>
/// <param name="MalaAcceptance">Mean MALA acceptance of the block's run (NaN when not tracked).</param>
/// <param name="Seconds">Wall-clock seconds of the block's run (shared by its shifts).</param>
public sealed record SusceptibilityPoint(int Step, string Block, string Shift, double Chi, double StandardError, long Dimension,
    double ObservableEss, double MalaAcceptance, double Seconds);

/// <summary>
/// Per-block susceptibilities of a transformer to shifts of its data (docs/susceptibilities.md): for each block C, one
/// SGLD run that samples only C's weights (the rest held at w*) on the localized tempered posterior of the whole sample
/// (n windows, nβ = n / log n, <see cref="NextTokenTarget"/>), records the cell losses M_{f,l} at every draw, and
/// returns χ̂_C for every <see cref="DataShift"/> from those same draws.
/// </summary>
/// <remarks>
/// The observable of block C is φ_C(w) = L_n(w) with w ranging over the block-restricted posterior: its expectation is
/// the loss the posterior of C alone pays, and χ_C = dE_h[φ_C]/dh says how that loss responds when the data tilt toward
/// q'. A negative χ_C: the shift lowers the expected loss of C's posterior (C's weights can serve q' better); positive:
/// the shift costs C. Because φ_C and the shifts are linear in the recorded cells, one run serves every shift.
/// </remarks>
public static class TransformerSusceptibility
{
    /// <summary>The blocks of the measured curves: the token embedding, the attention of both layers, the MLPs of both
    /// layers, the unembedding (a block spec joins several <see cref="ParameterSubset"/> items with '+'). Four runs per
    /// checkpoint keep the 14-checkpoint curves near the notebook's budget; single layers (attention-1, mlp-0, …) by name.</summary>
    public static IReadOnlyList<string> DefaultBlocks { get; } = ["token_embedding", "attention-0+attention-1", "mlp-0+mlp-1", "unembedding"];

    /// <summary>Susceptibilities of <paramref name="model"/> (left at its weights) for every block and shift.</summary>
    /// <param name="model">w*.</param>
    /// <param name="partition">The whole sample (n windows) split by family.</param>
    /// <param name="blocks">Block specs (<see cref="ParameterSubset"/> specs, items joined by '+' or ','); default <see cref="DefaultBlocks"/>.</param>
    /// <param name="shifts">Shifts; default <see cref="DataShift.Defaults"/>.</param>
    /// <param name="settings">SGLD settings (default <see cref="SusceptibilitySampling.Default"/>); NBeta (the whole's
    /// n/log n), SampledParameters and SampledRows are set here, and block b runs with seed Seed + b.</param>
    /// <param name="step">The checkpoint's training step, for the records.</param>
    /// <param name="batchesPerChain">Batches per chain for the standard error.</param>
    /// <param name="progress">The sampler's progress.</param>
    /// <param name="cancellationToken">Stops sampling.</param>
    /// <exception cref="ArgumentException">A block names no parameter, or a shift does not fit the sample.</exception>
    public static IReadOnlyList<SusceptibilityPoint> Estimate(Transformer model, FamilyPartition partition, IReadOnlyList<string>? blocks = null,
        IReadOnlyList<DataShift>? shifts = null, SgldSettings? settings = null, int step = 0, int batchesPerChain = 4,
        IProgress<SamplingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(partition);
        blocks ??= DefaultBlocks;
        shifts ??= DataShift.Defaults(partition);
        settings ??= SusceptibilitySampling.Default;
        if (blocks.Count == 0) throw new ArgumentException("No blocks: name at least one.", nameof(blocks));
        if (shifts.Count == 0) throw new ArgumentException("No shifts: name at least one.", nameof(shifts));
        var resolved = blocks.Select(b => new ParameterSubset(b.Replace('+', ',')).Resolve(model)).ToArray();
        var unshifted = DataShift.Unshifted(partition);
        var differences = shifts.Select(s => s.Difference(partition)).ToArray();
        var points = new List<SusceptibilityPoint>();
        using var target = new CellLossTarget(model, partition);
        for (int b = 0; b < blocks.Count; b++)
        {
            var s = settings with { NBeta = partition.WholeNBeta, SampledParameters = resolved[b], SampledRows = null, Seed = settings.Seed + b };
            var run = Sgld.Run(target, s, progress, cancellationToken);
            var cells = run.DrawObservables ?? throw new InvalidOperationException("The cell-loss target recorded no draw observables.");
            var phi = Combine(cells, unshifted);
            double ess = ConvergenceDiagnostics.EffectiveSampleSize(phi);
            double mala = run.MalaAcceptance.Average();
            for (int k = 0; k < shifts.Count; k++)
            {
                var value = SusceptibilityEstimator.Estimate(run.NBeta, phi, Combine(cells, differences[k]), batchesPerChain);
                points.Add(new SusceptibilityPoint(step, blocks[b], shifts[k].Name, value.Chi, value.StandardError, run.SampledDimension, ess, mala, run.Seconds));
            }
        }
        return points;
    }

    /// <summary>Per chain and draw, Σ_j weights_j · cells_j.</summary>
    private static double[][] Combine(double[][][] cells, double[] weights) =>
        cells.Select(chain => chain.Select(draw =>
        {
            if (draw.Length != weights.Length) throw new InvalidOperationException($"{draw.Length} cells recorded; the shift has {weights.Length}.");
            double s = 0;
            for (int j = 0; j < weights.Length; j++) s += weights[j] * draw[j];
            return s;
        }).ToArray()).ToArray();
}

/// <summary>The SGLD settings of the transformer susceptibility curves.</summary>
public static class SusceptibilitySampling
{
    /// <summary>
    /// <see cref="Additivity.AdditivitySampling.Default"/> (ε = 2e−5, γ = 2000, batches of 4 windows, MALA every 50th
    /// proposal) with 4 chains × (50 burn-in + 32 draws × 6 steps). Why: every draw costs a forward pass over all n = 256
    /// windows (the cell losses), about as much as six SGLD steps, and the curves take 14 checkpoints × 4 blocks = 56 runs;
    /// at 2 chains × 16 draws φ's ESS was a handful per run (docs/susceptibilities.md §5), so the shipped curves
    /// (<c>slt susceptibility transformer --ship</c>, read by notebook 05) use four times the draws. Read only |χ̂| of
    /// several se as a signal.
    /// </summary>
    public static SgldSettings Default { get; } = Additivity.AdditivitySampling.Default with
    {
        Chains = 4, BurnIn = 50, Draws = 32, StepsBetweenDraws = 6,
    };
}
