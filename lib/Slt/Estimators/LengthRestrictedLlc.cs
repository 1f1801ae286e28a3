using Microsoft.Data.Analysis;
using Slt.Diagnostics;
using Slt.Presentation;
using Slt.Sampling;
using Slt.Truth;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Estimators;

/// <summary>One part of the input lengths and the LLC of the loss restricted to it.</summary>
/// <param name="Name">A label, e.g. "l ≤ 8".</param>
/// <param name="Lengths">The input lengths S kept.</param>
/// <param name="Result">λ̂^S with its diagnostics (Result.Run.SampleSize is n = windows × |S|).</param>
public sealed record LengthRestrictedEstimate(string Name, int[] Lengths, LlcResult Result);

/// <summary>
/// The data-restricted LLC per set of input lengths (Wang et al. 2024, arXiv 2410.02984): for each part S of
/// {1, …, C − 1}, λ̂^S = nβ_S (E[L_n^S(w)] − L_n^S(w*)) with L_n^S the loss on the predictions at input lengths in S only
/// (<see cref="NextTokenTarget.Create"/>), n_S = windows × |S| and nβ_S = n_S / log n_S unless the settings fix nβ.
/// Each part is sampled with the same settings and seed.
/// </summary>
public sealed record LengthRestrictedLlc(IReadOnlyList<LengthRestrictedEstimate> Parts)
{
    /// <summary>Estimates λ̂^S for every part on the same model, sample and evaluation set.</summary>
    /// <param name="model">The trained model (its current weights are w*; restored after each part).</param>
    /// <param name="sample">The windows L_n averages over.</param>
    /// <param name="parts">Named sets of input lengths (each validated by <see cref="NextTokenTarget.ValidateLengths"/>).</param>
    /// <param name="settings">SGLD settings, the same for every part.</param>
    /// <param name="evaluationWindows">Windows of the evaluation set (null: all of them).</param>
    /// <param name="progress">Receives the sampler's progress, part after part.</param>
    /// <param name="cancellationToken">Stops sampling.</param>
    public static LengthRestrictedLlc Estimate(nn.Module<Tensor, Tensor> model, WindowSample sample,
        IReadOnlyList<(string Name, int[] Lengths)> parts, SgldSettings settings, int? evaluationWindows = null,
        IProgress<SamplingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0) throw new ArgumentException("Give at least one set of input lengths.", nameof(parts));
        foreach (var (_, lengths) in parts) NextTokenTarget.ValidateLengths(lengths, sample.ContextLength);
        var estimates = new List<LengthRestrictedEstimate>();
        foreach (var (name, lengths) in parts)
        {
            using var target = NextTokenTarget.Create(model, sample, evaluationWindows, lengths);
            estimates.Add(new LengthRestrictedEstimate(name, lengths.OrderBy(l => l).ToArray(),
                LocalLearningCoefficient.Estimate(target, settings, progress: progress, cancellationToken: cancellationToken)));
        }
        return new LengthRestrictedLlc(estimates);
    }

    /// <summary>The early/late split of notebook 02: l ≤ ⌊C/4⌋ against the rest.</summary>
    public static IReadOnlyList<(string Name, int[] Lengths)> EarlyAndLate(int contextLength)
    {
        var (early, late) = NextTokenTarget.SplitAtQuarter(contextLength);
        return [($"early (l ≤ {early[^1]})", early), ($"late (l ≥ {late[0]})", late)];
    }

    /// <summary>One row per part: lengths, n, nβ, λ̂ ± se, split-R̂, ESS, MALA acceptance, trust, seconds.</summary>
    public DataFrame ToDataFrame() => new(
        new StringDataFrameColumn("part", Parts.Select(p => p.Name)),
        new StringDataFrameColumn("lengths", Parts.Select(p => $"{p.Lengths[0]}–{p.Lengths[^1]}" + (p.Lengths.Length == p.Lengths[^1] - p.Lengths[0] + 1 ? "" : " (gaps)"))),
        new PrimitiveDataFrameColumn<long>("n", Parts.Select(p => p.Result.Run.SampleSize)),
        new PrimitiveDataFrameColumn<double>("nbeta", Parts.Select(p => p.Result.NBeta)),
        new PrimitiveDataFrameColumn<double>("llc", Parts.Select(p => p.Result.Mean)),
        new PrimitiveDataFrameColumn<double>("llc_se", Parts.Select(p => p.Result.StandardError)),
        new PrimitiveDataFrameColumn<double>("rhat", Parts.Select(p => p.Result.Diagnostics.RHat)),
        new PrimitiveDataFrameColumn<double>("ess", Parts.Select(p => p.Result.Diagnostics.Ess)),
        new PrimitiveDataFrameColumn<double>("mala_acceptance", Parts.Select(p => p.Result.Diagnostics.MalaAcceptance)),
        new StringDataFrameColumn("trust", Parts.Select(p => p.Result.Diagnostics.Trust.ToString())),
        new PrimitiveDataFrameColumn<double>("seconds", Parts.Select(p => p.Result.Run.Seconds)));

    /// <summary>λ̂^S per part with ±1 standard error (no bar for a divergent part).</summary>
    public Figure ToFigure(string? title = null) => new(
        title ?? "Data-restricted LLC by input length",
        [new BarTrace("λ̂^S", Parts.Select(p => $"{p.Name} [{p.Result.Diagnostics.Trust}]").ToArray(),
            Parts.Select(p => p.Result.Mean ?? double.NaN).ToArray(), Parts.Select(p => p.Result.StandardError ?? double.NaN).ToArray())],
        new Axis("input lengths kept"),
        new Axis("λ̂"));
}
