using Microsoft.Data.Analysis;
using Slt.Diagnostics;
using Slt.Presentation;
using Slt.Sampling;

namespace Slt.Estimators;

/// <summary>What is known exactly about the case being estimated (for validation): λ, m and the finite-t value.</summary>
/// <param name="Lambda">The learning coefficient λ (RLCT), if known.</param>
/// <param name="Multiplicity">Its multiplicity m, if known.</param>
/// <param name="FiniteT">The exact value a perfect sampler converges to at this nβ (E_t[tK] for potentials), if known.</param>
public sealed record KnownTruth(double? Lambda, int? Multiplicity, double? FiniteT);

/// <summary>
/// A local learning coefficient estimate λ̂(w*) = nβ (E_{w∼p_β}[L_n(w)] − L_n(w*)) (Lau et al. 2023, arXiv 2308.12108),
/// with one value per chain (each against its own baseline L_n(w*) on the evaluation set), their mean and standard
/// error, the online trace, and the diagnostics. When any chain diverged, <see cref="Mean"/> is null: there is no number.
/// </summary>
/// <param name="Mean">Mean of the per-chain estimates; null when divergent.</param>
/// <param name="StandardError">The larger of the Monte Carlo standard error (from the bulk ESS of the traces) and the spread of the
/// chain means s/√chains (<see cref="LocalLearningCoefficient.StandardError"/>); null when divergent.</param>
/// <param name="PerChain">λ̂ of each chain (NaN for a chain that diverged).</param>
/// <param name="OnlineTrace">After k draws: the mean over chains of nβ (mean of the first k draws − L_n(w*)).</param>
/// <param name="Diagnostics">R̂, ESS, MALA acceptance, divergence, verdict.</param>
/// <param name="Run">The sampling run it was computed from.</param>
/// <param name="Truth">Exact values for this case, if known.</param>
public sealed record LlcResult(double? Mean, double? StandardError, double[] PerChain, double[] OnlineTrace,
    SamplerDiagnostics Diagnostics, SamplingRun Run, KnownTruth? Truth = null)
{
    /// <summary>λ̂ + β ν̂, corrected for the sample's fluctuation (see <see cref="FluctuationCorrection"/>); null when the
    /// target has no per-point losses (a tempered potential needs none) or the run diverged.</summary>
    public FluctuationCorrection? Correction { get; init; }

    /// <summary>(corrected λ̂ − λ) / λ; null when there is no correction or no known λ.</summary>
    public double? CorrectedRelativeError =>
        Correction is { } c && Truth?.Lambda is double l && l != 0 ? (c.Mean - l) / l : null;

    /// <summary>The bias the verdict does not cover, where λ and m are known (<see cref="FiniteTemperatureShortfall"/>).</summary>
    public FiniteTemperatureShortfall? Shortfall => Mean is null ? null : FiniteTemperatureShortfall.For(Truth, NBeta, Correction);

    /// <summary>nβ the run used.</summary>
    public double NBeta => Run.NBeta;

    /// <summary>(λ̂ − reference) / reference against the finite-t value when known, else λ; null when either is missing.</summary>
    public double? RelativeError
    {
        get
        {
            double? reference = Truth?.FiniteT ?? Truth?.Lambda;
            return Mean is double m && reference is double r && r != 0 ? (m - r) / r : null;
        }
    }

    /// <summary>One row per chain: chain, λ̂, baseline L_n(w*), mean L_n, MALA acceptance, problem.</summary>
    public DataFrame ToDataFrame()
    {
        var chains = Enumerable.Range(0, PerChain.Length).ToArray();
        return new DataFrame(
            new PrimitiveDataFrameColumn<int>("chain", chains),
            new PrimitiveDataFrameColumn<double>("llc", PerChain),
            new PrimitiveDataFrameColumn<double>("baseline_loss", Run.Baseline),
            new PrimitiveDataFrameColumn<double>("mean_loss", Run.MeanLoss),
            new PrimitiveDataFrameColumn<double>("mala_acceptance", Run.MalaAcceptance),
            new StringDataFrameColumn("problem", Diagnostics.ChainProblems.Select(p => p.ToString())));
    }

    /// <summary>Trace chart, readable at a glance: the running estimate λ̂ (thick, on top) and the exact value (a dashed line,
    /// labelled) when known, above up to <paramref name="maxChains"/> chains' nβ(L_n(w) − L_n(w*)) drawn thin and grey
    /// (one legend entry), with the burn-in, which the estimate does not use, shaded.</summary>
    public Figure ToFigure(int maxChains = 8)
    {
        if (maxChains < 0) throw new ArgumentOutOfRangeException(nameof(maxChains), maxChains, "maxChains must not be negative.");
        var traces = new List<Trace>();
        int draws = Run.Draws.Length > 0 ? Run.Draws[0].Length : 0;
        double[] x = Enumerable.Range(1, draws).Select(k => (double)(Run.Settings.BurnIn + k * Run.Settings.StepsBetweenDraws)).ToArray();
        int shown = Math.Min(maxChains, Run.Chains);
        if (shown > 0)
            traces.Add(new BundleTrace(shown == Run.Chains ? $"chains ({shown})" : $"chains ({shown} of {Run.Chains})", x,
                Enumerable.Range(0, shown).Select(Run.ExcessTrace).ToArray()));
        traces.Add(new LineTrace("λ̂ (running mean over chains)", x, OnlineTrace, Emphasis: Emphasis.Strong));
        var marks = new List<Mark>();
        if (Run.Settings.BurnIn > 0) marks.Add(new XSpan("burn-in (not used)", 0, Run.Settings.BurnIn));
        double? truth = Truth?.FiniteT ?? Truth?.Lambda;
        if (truth is double t) marks.Add(new HorizontalLine($"{(Truth?.FiniteT is null ? "λ" : "E_t[tK]")} = {t:G4} (exact)", t));
        string title = Mean is double m ? $"SGLD traces: λ̂ = {m:F3} ± {StandardError:F3}" : "SGLD traces: divergent, no estimate";
        return new Figure(title, traces, new Axis("SGLD step"), new Axis("nβ (L_n(w) − L_n(w*))")) { Marks = marks };
    }
}
