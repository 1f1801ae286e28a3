using Microsoft.Data.Analysis;
using Slt.Estimators;
using Slt.Presentation;
using Slt.Sampling;
using Slt.Truth;
using static TorchSharp.torch;

namespace Slt.Contexts;

/// <summary>How λ̂_mother and λ̂_daughter compare, judged against their combined standard error.</summary>
public enum InequalitySign
{
    /// <summary>λ̂_mother &lt; λ̂_daughter by more than two combined standard errors: the seminar's inequality, strictly.</summary>
    MotherSmaller,
    /// <summary>The two estimates differ by at most two combined standard errors.</summary>
    Indistinguishable,
    /// <summary>λ̂_mother &gt; λ̂_daughter by more than two combined standard errors: the inequality fails at these settings.</summary>
    MotherLarger,
    /// <summary>One of the runs diverged: no comparison.</summary>
    Undetermined,
}

/// <summary>
/// The seminar's free-energy consequence of the contexts-to-weights hypothesis, measured: the LLC of the mother at w* on
/// context-prefixed (few-shot) data against the LLC of the daughter at w' = F_C(w*) on the same data stripped of its
/// context (zero-shot). The seminar argues λ_mother(w*) ≤ λ_daughter(F_C(w*)), the gap measuring the degeneracy of F_C.
/// </summary>
/// <remarks>
/// Data: one context C = (c_1..c_m) and N queries x^{(i)} = (x_1..x_T). The mother's sample is the N windows C ⊕ x^{(i)}
/// with the loss restricted to the predictions of x_2..x_T (input lengths m + 1..m + T − 1); the daughter's is the N windows
/// x^{(i)} with the loss on the same predictions (input lengths 1..T − 1). The prediction of x_1 from C alone has no
/// zero-shot counterpart and is left out of both. Where F_C is exact (linear attention) the two losses agree at w* and
/// F_C(w*) (<see cref="MotherBaseline"/> = <see cref="DaughterBaseline"/>); with a fitted F_C they differ by the fit's
/// residual. n = N windows for both (<see cref="NextTokenTarget.Create"/>), the same settings and seed for both.
/// </remarks>
/// <param name="Label">What was compared, e.g. "linear attention, exact F_C".</param>
/// <param name="ContextTokens">m = |C|.</param>
/// <param name="QueryTokens">T = |x|.</param>
/// <param name="Mother">λ̂ of the mother at w* on C ⊕ x.</param>
/// <param name="Daughter">λ̂ of the daughter at F_C(w*) on x.</param>
public sealed record MotherDaughterLlc(string Label, int ContextTokens, int QueryTokens, LlcResult Mother, LlcResult Daughter)
{
    /// <summary>L_n of the mother at w* (the sampler's baseline, mean over chains).</summary>
    public double MotherBaseline => Mother.Run.Baseline.Average();

    /// <summary>L_n of the daughter at F_C(w*).</summary>
    public double DaughterBaseline => Daughter.Run.Baseline.Average();

    /// <summary>λ̂_daughter − λ̂_mother (positive where the seminar's inequality holds); null if either diverged.</summary>
    public double? Gap => Mother.Mean is double m && Daughter.Mean is double d ? d - m : null;

    /// <summary>√(se_mother² + se_daughter²).</summary>
    public double? GapStandardError => Mother.StandardError is double a && Daughter.StandardError is double b ? Math.Sqrt(a * a + b * b) : null;

    /// <summary>The sign of λ̂_mother − λ̂_daughter at two combined standard errors.</summary>
    public InequalitySign Sign => Gap is double g && GapStandardError is double s
        ? g > 2 * s ? InequalitySign.MotherSmaller : g < -2 * s ? InequalitySign.MotherLarger : InequalitySign.Indistinguishable
        : InequalitySign.Undetermined;

    /// <summary>
    /// Estimates both LLCs. The mother's and the daughter's weights are left as they were.
    /// </summary>
    /// <param name="label">A label for tables.</param>
    /// <param name="mother">The model at w* (its current weights).</param>
    /// <param name="daughter">The model at F_C(w*) (its current weights), taking inputs without the context.</param>
    /// <param name="context">C, m ≥ 1 token ids.</param>
    /// <param name="queries">The N stripped queries, windows of T ≥ 2 tokens; m + T must not exceed the mother's context length.</param>
    /// <param name="settings">SGLD settings for both runs (default <see cref="NextTokenTarget.DefaultSettings"/>).</param>
    /// <param name="progress">Receives the sampler's progress, mother then daughter.</param>
    /// <param name="cancellationToken">Stops sampling.</param>
    /// <exception cref="ArgumentException">Empty context, queries shorter than 2 tokens, or a token outside the vocabulary.</exception>
    public static MotherDaughterLlc Estimate(string label, nn.Module<Tensor, Tensor> mother, nn.Module<Tensor, Tensor> daughter,
        IReadOnlyList<int> context, WindowSample queries, SgldSettings? settings = null,
        IProgress<SamplingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mother);
        ArgumentNullException.ThrowIfNull(daughter);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(queries);
        if (context.Count == 0) throw new ArgumentException("The context C is empty: give at least one token.", nameof(context));
        int m = context.Count, t = queries.ContextLength;
        if (t < 2) throw new ArgumentException($"Queries must have at least 2 tokens (the loss predicts x_2..x_T); got T = {t}.", nameof(queries));
        foreach (int c in context)
            if (c < 0 || c >= queries.Vocabulary.Count)
                throw new ArgumentException($"Context token id {c} is not in [0, {queries.Vocabulary.Count}).", nameof(context));
        settings ??= NextTokenTarget.DefaultSettings;
        var prefixed = Prefixed(context, queries);
        var motherLengths = Enumerable.Range(m + 1, t - 1).ToArray();
        var daughterLengths = Enumerable.Range(1, t - 1).ToArray();
        LlcResult motherResult, daughterResult;
        // A fitted daughter comes frozen (its fit is over); the sampler needs gradients for a while, then it is left as it was.
        var frozen = mother.parameters().Concat(daughter.parameters()).Where(p => !p.requires_grad).ToArray();
        foreach (var p in frozen) p.requires_grad = true;
        try
        {
            using (var target = NextTokenTarget.Create(mother, prefixed, lengths: motherLengths))
                motherResult = LocalLearningCoefficient.Estimate(target, settings, progress: progress, cancellationToken: cancellationToken);
            using (var target = NextTokenTarget.Create(daughter, queries, lengths: daughterLengths))
                daughterResult = LocalLearningCoefficient.Estimate(target, settings, progress: progress, cancellationToken: cancellationToken);
        }
        finally
        {
            foreach (var p in frozen) p.requires_grad = false;
        }
        return new MotherDaughterLlc(label, m, t, motherResult, daughterResult);
    }

    /// <summary>Estimates both LLCs on a context and the queries continuing it (<see cref="ContextualQueries"/>).</summary>
    public static MotherDaughterLlc Estimate(string label, nn.Module<Tensor, Tensor> mother, nn.Module<Tensor, Tensor> daughter,
        ContextualQueries queries, SgldSettings? settings = null,
        IProgress<SamplingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        return Estimate(label, mother, daughter, queries.Context, Stripped(queries), settings, progress, cancellationToken);
    }

    /// <summary>The stripped queries x^{(i)} as windows of length T.</summary>
    public static WindowSample Stripped(ContextualQueries queries)
    {
        ArgumentNullException.ThrowIfNull(queries);
        var tokens = Enumerable.Range(0, queries.Count).SelectMany(i => queries.Query(i)).ToArray();
        return new WindowSample(queries.Truth.Vocabulary, queries.QueryLength, tokens);
    }

    /// <summary>The windows C ⊕ x^{(i)} (length m + T) of a context and stripped queries.</summary>
    public static WindowSample Prefixed(IReadOnlyList<int> context, WindowSample queries)
    {
        int m = context.Count, t = queries.ContextLength;
        var tokens = new int[queries.Count * (m + t)];
        for (int i = 0; i < queries.Count; i++)
        {
            for (int j = 0; j < m; j++) tokens[i * (m + t) + j] = context[j];
            queries.Window(i).CopyTo(tokens.AsSpan(i * (m + t) + m, t));
        }
        return new WindowSample(queries.Vocabulary, m + t, tokens);
    }

    /// <summary>Two rows (mother, daughter): data, n, L_n at the point, λ̂ ± se, R̂, ESS, MALA acceptance, verdict.</summary>
    public DataFrame ToDataFrame() => ToDataFrame([this]);

    /// <summary>Two rows per comparison (mother, daughter), labelled.</summary>
    public static DataFrame ToDataFrame(IReadOnlyList<MotherDaughterLlc> comparisons)
    {
        ArgumentNullException.ThrowIfNull(comparisons);
        var rows = comparisons.SelectMany(c => new[] { (c, "mother at w*", $"C ⊕ x (m = {c.ContextTokens})", c.Mother), (c, "daughter at F_C(w*)", "x", c.Daughter) }).ToArray();
        return new DataFrame(
            new StringDataFrameColumn("comparison", rows.Select(r => r.Item1.Label)),
            new StringDataFrameColumn("model", rows.Select(r => r.Item2)),
            new StringDataFrameColumn("data", rows.Select(r => r.Item3)),
            new PrimitiveDataFrameColumn<long>("n", rows.Select(r => r.Item4.Run.SampleSize)),
            new PrimitiveDataFrameColumn<double>("L_n", rows.Select(r => r.Item4.Run.Baseline.Average())),
            new PrimitiveDataFrameColumn<double>("llc", rows.Select(r => r.Item4.Mean)),
            new PrimitiveDataFrameColumn<double>("llc_se", rows.Select(r => r.Item4.StandardError)),
            new PrimitiveDataFrameColumn<double>("rhat", rows.Select(r => r.Item4.Diagnostics.RHat)),
            new PrimitiveDataFrameColumn<double>("ess", rows.Select(r => r.Item4.Diagnostics.Ess)),
            new PrimitiveDataFrameColumn<double>("mala_acceptance", rows.Select(r => r.Item4.Diagnostics.MalaAcceptance)),
            new StringDataFrameColumn("trust", rows.Select(r => r.Item4.Diagnostics.Trust.ToString())));
    }

    /// <summary>One line: the two estimates, the gap with its standard error, and the sign.</summary>
    public string Summary() =>
        $"{Label}: λ̂_mother = {Format(Mother)}, λ̂_daughter = {Format(Daughter)}, gap λ̂_daughter − λ̂_mother = " +
        (Gap is double g ? $"{g:F1} ± {GapStandardError:F1}" : "n/a") + $" → {Describe(Sign)}";

    /// <summary>Plain words for a sign.</summary>
    public static string Describe(InequalitySign sign) => sign switch
    {
        InequalitySign.MotherSmaller => "λ_mother < λ_daughter (the seminar's inequality, strictly)",
        InequalitySign.Indistinguishable => "equal within two standard errors (consistent with ≤)",
        InequalitySign.MotherLarger => "λ_mother > λ_daughter (the inequality fails at these settings)",
        _ => "undetermined (a run diverged)",
    };

    private static string Format(LlcResult r) => r.Mean is double m ? $"{m:F1} ± {r.StandardError:F1} [{r.Diagnostics.Trust}]" : "divergent";

    /// <summary>λ̂ of mother and daughter with ±1 standard error.</summary>
    public static Figure ToFigure(IReadOnlyList<MotherDaughterLlc> comparisons, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(comparisons);
        var labels = comparisons.Select(c => c.Label).ToArray();
        return new Figure(title ?? "Mother against daughter: λ̂ at w* on C ⊕ x and at F_C(w*) on x",
            [
                new BarTrace("λ̂ mother (w*, C ⊕ x)", labels, comparisons.Select(c => c.Mother.Mean ?? double.NaN).ToArray(),
                    comparisons.Select(c => c.Mother.StandardError ?? double.NaN).ToArray()),
                new BarTrace("λ̂ daughter (F_C(w*), x)", labels, comparisons.Select(c => c.Daughter.Mean ?? double.NaN).ToArray(),
                    comparisons.Select(c => c.Daughter.StandardError ?? double.NaN).ToArray()),
            ],
            new Axis("model and map"), new Axis("λ̂"));
    }
}
