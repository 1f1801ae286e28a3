using Slt.Diagnostics;

namespace Slt.Estimators;

/// <summary>One λ̂ kept as plain numbers (cacheable as JSON): the estimate, its standard error and its diagnostics.</summary>
/// <param name="Name">A label: "whole", a family's name, a checkpoint's step.</param>
/// <param name="Windows">n of its data (windows).</param>
/// <param name="NBeta">nβ the run used.</param>
/// <param name="SampledDimension">Number of sampled weights.</param>
/// <param name="LossAtOptimum">L_n at w* on its data (per window, nats).</param>
/// <param name="Mean">λ̂; null when a chain diverged.</param>
/// <param name="StandardError">Its standard error; null when divergent.</param>
/// <param name="PerChain">λ̂ of each chain.</param>
/// <param name="RHat">Rank-normalized R̂ of the traces.</param>
/// <param name="Ess">Bulk ESS.</param>
/// <param name="MalaAcceptance">Mean MALA acceptance of the SGLD proposals.</param>
/// <param name="Trust">The diagnostics' verdict.</param>
/// <param name="Verdict">The verdict in words, with its reasons.</param>
/// <param name="Seconds">Wall-clock seconds of the run.</param>
public sealed record LlcSummary(string Name, int Windows, double NBeta, long SampledDimension, double LossAtOptimum,
    double? Mean, double? StandardError, double[] PerChain, double RHat, double Ess, double MalaAcceptance, Trust Trust, string Verdict, double Seconds)
{
    /// <summary>The plain numbers of an estimate.</summary>
    public static LlcSummary From(string name, int windows, LlcResult r) => new(name, windows, r.NBeta, r.Run.SampledDimension,
        r.Run.Baseline.Average(), r.Mean, r.StandardError, r.PerChain, r.Diagnostics.RHat, r.Diagnostics.Ess, r.Diagnostics.MalaAcceptance,
        r.Diagnostics.Trust, r.Diagnostics.Verdict, r.Run.Seconds);
}
