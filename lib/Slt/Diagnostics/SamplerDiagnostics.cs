using Slt.Sampling;

namespace Slt.Diagnostics;

/// <summary>How far an estimate can be trusted.</summary>
public enum Trust
{
    /// <summary>Every check passed.</summary>
    Trustworthy,
    /// <summary>A check is borderline: the number is usable with care.</summary>
    Caution,
    /// <summary>A check failed: do not use the number.</summary>
    Untrustworthy,
    /// <summary>At least one chain diverged: there is no number.</summary>
    Divergent,
}

/// <summary>Why a chain was flagged.</summary>
public enum ChainProblem
{
    None,
    /// <summary>The loss became NaN or infinite.</summary>
    NotFinite,
    /// <summary>The chain's mean loss lies far below L_n(w*): w* is not a local minimum at this temperature.</summary>
    FarBelowOptimum,
    /// <summary>The loss keeps growing along the chain (drift away from w*).</summary>
    Runaway,
}

/// <summary>Thresholds of the checks, with documented defaults.</summary>
public sealed record DiagnosticThresholds
{
    /// <summary>R̂ and ESS bounds (Vehtari et al. 2021: trustworthy with rank-normalized R̂ below 1.01 and bulk- and tail-ESS
    /// from 400; use with care up to R̂ 1.05 and down to ESS 100; beyond that, do not trust).</summary>
    public ConvergenceThresholds Convergence { get; init; } = new();
    /// <summary>MALA acceptance below this is a failure: ε is too large for the curvature (default 0.7).</summary>
    /// <remarks>The acceptance has a floor of 1/2 that no step size crosses: once ε is so large that a proposal w′ has
    /// forgotten w (in a prior box the reflected proposal then spreads over the whole box, and SGLD, which never rejects,
    /// samples the same law), w and w′ are exchangeable, log r = U(w) − U(w′) + log q(w|w′) − log q(w′|w) is symmetric
    /// about 0, and E[min(1, r)] ≥ P(r ≥ 1) = 1/2. A threshold at 1/2 therefore judged the absurd step ε = 5 on
    /// w₁²w₂² (acceptance 0.52, λ̂ 287 times too large) milder than ε = 0.05 (0.45). The failing threshold sits well
    /// above the floor.</remarks>
    public double MalaFail { get; init; } = 0.7;
    /// <summary>MALA acceptance below this warrants caution (default 0.9).</summary>
    public double MalaCaution { get; init; } = 0.9;
    /// <summary>A chain with nβ(E[L_n] − L_n(w*)) below −this is "far below w*" (default 1).</summary>
    public double BelowOptimum { get; init; } = 1.0;
    /// <summary>A chain runs away when the last-quarter mean of its nβ(L_n − L_n(w*)) exceeds this multiple of
    /// max(1, the median over chains of their second-quarter means) and has at least doubled since its own second
    /// quarter (default 10).</summary>
    public double RunawayFactor { get; init; } = 10.0;
}

/// <summary>One reason a verdict is not "Trustworthy": the level it sets and the reason in plain words.</summary>
public sealed record DiagnosticFlag(Trust Level, string Reason);

/// <summary>
/// The checks that tell a user when not to trust an estimate, each with a plain-language verdict.
/// </summary>
/// <param name="Convergence">Rank-normalized split-R̂, bulk- and tail-ESS and the Monte Carlo standard error of the traces
/// nβ(L_n(w) − L_n(w*)) (Vehtari, Gelman, Simpson, Carpenter, Bürkner 2021).</param>
/// <param name="MalaAcceptance">Mean MALA acceptance probability of the SGLD proposals (NaN when not tracked).</param>
/// <param name="ChainProblems">Per chain: what, if anything, went wrong.</param>
/// <param name="Flags">Every check that did not pass, in the order they were made; the verdict is the worst level.</param>
public sealed record SamplerDiagnostics(ChainSummary Convergence, double MalaAcceptance, ChainProblem[] ChainProblems, IReadOnlyList<DiagnosticFlag> Flags)
{
    /// <summary>Rank-normalized split-R̂ (the larger of bulk and tail).</summary>
    public double RHat => Convergence.RHat;

    /// <summary>Bulk effective sample size of the traces over all chains.</summary>
    public double Ess => Convergence.EssBulk;

    /// <summary>Tail effective sample size (the 5% and 95% quantiles).</summary>
    public double EssTail => Convergence.EssTail;

    /// <summary>The overall verdict: the worst level of any flag, Trustworthy when there is none.</summary>
    public Trust Trust => Flags.Count == 0 ? Trust.Trustworthy : Flags.Max(f => f.Level);

    /// <summary>The verdict in plain words, with every reason.</summary>
    public string Verdict => Trust switch
    {
        Trust.Trustworthy => $"Trustworthy: chains agree (R̂ {RHat:F3}), bulk-ESS {Ess:F0}, tail-ESS {EssTail:F0}, MALA acceptance {MalaAcceptance:F2}.",
        Trust.Caution => "Use with care: " + Reasons,
        Trust.Untrustworthy => "Do not trust: " + Reasons,
        _ => "Divergent, no estimate: " + Reasons,
    };

    private string Reasons => string.Join(" ", Flags.Select(f => f.Reason));

    /// <summary>True when any chain diverged.</summary>
    public bool IsDivergent => Trust == Trust.Divergent;

    /// <summary>These diagnostics with one more flag (checks made after sampling: bounds of the estimate, step-size bias).</summary>
    public SamplerDiagnostics With(Trust level, string reason) => this with { Flags = [.. Flags, new DiagnosticFlag(level, reason)] };

    /// <summary>Runs every check on a sampling run.</summary>
    public static SamplerDiagnostics Assess(SamplingRun run, DiagnosticThresholds? thresholds = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        var th = thresholds ?? new DiagnosticThresholds();
        var traces = Enumerable.Range(0, run.Chains).Select(run.ExcessTrace).ToArray();
        var problems = new ChainProblem[run.Chains];
        var secondQuarters = traces.Select(t => QuarterMean(t, 1)).Where(double.IsFinite).OrderBy(x => x).ToArray();
        double typical = secondQuarters.Length > 0 ? Math.Max(1, Math.Abs(secondQuarters[secondQuarters.Length / 2])) : 1;
        for (int c = 0; c < run.Chains; c++) problems[c] = Classify(traces[c], run.NBeta * (run.MeanLoss[c] - run.Baseline[c]), run.Baseline[c], typical, th);
        var finiteMala = run.MalaAcceptance.Where(double.IsFinite).ToArray();
        double mala = finiteMala.Length > 0 ? finiteMala.Average() : double.NaN;
        var convergence = ChainSummary.Compute(traces);

        var flags = new List<DiagnosticFlag>();
        void Flag(Trust level, string reason) => flags.Add(new DiagnosticFlag(level, reason));
        int nonFinite = problems.Count(p => p == ChainProblem.NotFinite);
        int below = problems.Count(p => p == ChainProblem.FarBelowOptimum);
        int runaway = problems.Count(p => p == ChainProblem.Runaway);
        if (nonFinite > 0) Flag(Trust.Divergent, $"{nonFinite} of {run.Chains} chains diverged (the loss became NaN or infinite): the step size ε = {run.Settings.StepSize:G3} is far too large, or the localization too weak.");
        if (below > 0) Flag(Trust.Divergent, $"{below} of {run.Chains} chains sit far below L_n(w*): w* is not a local minimum, so the LLC is not defined there.");
        if (runaway > 0) Flag(Trust.Divergent, $"{runaway} of {run.Chains} chains run away (their loss keeps growing): reduce ε or increase the localization γ.");
        if (double.IsFinite(mala) && run.Settings.MetropolisAdjusted)
        {
            // Adjusted chains have no discretization bias: a low acceptance only slows mixing, which R̂ and the ESS measure.
            if (mala < th.MalaFail) Flag(Trust.Caution, $"Metropolis-adjusted chains accept {mala:F2} of their proposals (< {th.MalaFail}): no bias, but they mix slowly; a smaller ε may mix faster.");
        }
        else if (double.IsFinite(mala))
        {
            if (mala < th.MalaFail) Flag(Trust.Untrustworthy, $"MALA acceptance {mala:F2} < {th.MalaFail}: ε is too large for the curvature; the estimate carries a large discretization bias.");
            else if (mala < th.MalaCaution) Flag(Trust.Caution, $"MALA acceptance {mala:F2} < {th.MalaCaution}: some discretization bias is likely; try a smaller ε.");
        }
        if (flags.All(f => f.Level != Trust.Divergent))
        {
            var c = th.Convergence;
            double rhat = convergence.RHat, ess = Math.Min(convergence.EssBulk, convergence.EssTail);
            if (double.IsNaN(rhat) || double.IsNaN(ess))
                Flag(Trust.Untrustworthy, $"no convergence diagnostics: {convergence.Draws} draws per chain (at least 4 are needed); sample longer.");
            else
            {
                if (rhat >= c.RHatCaution) Flag(Trust.Untrustworthy, $"R̂ = {rhat:F3} ≥ {c.RHatCaution}: the chains disagree; sample longer or burn in more.");
                else if (rhat >= c.RHatTrustworthy) Flag(Trust.Caution, $"R̂ = {rhat:F3} ≥ {c.RHatTrustworthy}: the chains have not quite converged.");
                string essText = $"bulk-ESS {convergence.EssBulk:F0}, tail-ESS {convergence.EssTail:F0}";
                if (ess < c.EssCaution) Flag(Trust.Untrustworthy, $"{essText}, below {c.EssCaution}: too few effective draws for the standard error or R̂ to mean anything; draw more.");
                else if (ess < c.EssTrustworthy) Flag(Trust.Caution, $"{essText}, below {c.EssTrustworthy}: the standard error is itself uncertain; draw more.");
            }
        }
        return new SamplerDiagnostics(convergence, mala, problems, flags);
    }

    private static double QuarterMean(double[] trace, int quarter)
    {
        int q = trace.Length / 4;
        return q < 1 ? double.NaN : trace[(quarter * q)..((quarter + 1) * q)].Average();
    }

    private static ChainProblem Classify(double[] trace, double chainEstimate, double baseline, double typical, DiagnosticThresholds th)
    {
        if (!double.IsFinite(baseline) || !double.IsFinite(chainEstimate) || trace.Any(x => !double.IsFinite(x))) return ChainProblem.NotFinite;
        if (chainEstimate < -th.BelowOptimum) return ChainProblem.FarBelowOptimum;
        double second = QuarterMean(trace, 1), last = QuarterMean(trace, 3);
        if (double.IsFinite(last) && last > th.RunawayFactor * typical && last > 2 * Math.Max(second, 0)) return ChainProblem.Runaway;
        return ChainProblem.None;
    }
}
