using Slt.Model;
using static TorchSharp.torch;

namespace Slt.Contexts;

/// <summary>
/// The result of a fitted context map: the daughter model at w' (owned), the mother at w (not owned), the fitted
/// parameter names, and the fit's loss at every step.
/// </summary>
public sealed class ContextMapDaughter : IDisposable
{
    internal ContextMapDaughter(Transformer mother, Transformer daughter, IReadOnlyList<string> parameterNames, ParameterSubset subset,
        ContextFitSettings settings, double[] losses)
    {
        Mother = mother;
        Daughter = daughter;
        ParameterNames = parameterNames;
        Subset = subset;
        Settings = settings;
        Losses = losses;
    }

    /// <summary>The mother p(· | ·, w) (not owned).</summary>
    public Transformer Mother { get; }

    /// <summary>The daughter p(· | ·, w'), in evaluation mode.</summary>
    public Transformer Daughter { get; }

    /// <summary>The parameters w' was allowed to move.</summary>
    public IReadOnlyList<string> ParameterNames { get; }

    public ParameterSubset Subset { get; }

    public ContextFitSettings Settings { get; }

    /// <summary>The training objective mean_{i,l} KL(mother ‖ daughter) before step s, s = 0..Steps (the last entry after the last step).</summary>
    public double[] Losses { get; }

    /// <summary>The training objective at the end.</summary>
    public double FinalLoss => Losses[^1];

    /// <summary>
    /// The share of the fit's whole decrease that came in its last tenth of steps, (L[0.9 S] − L[S]) / (L[0] − L[S]):
    /// near 0 when the loss is flat at the end. NaN when the loss did not move.
    /// </summary>
    public double TailDrop
    {
        get
        {
            int s = Losses.Length - 1, at = (int)Math.Floor(0.9 * s);
            double total = Losses[0] - Losses[s];
            return total > 0 ? (Losses[at] - Losses[s]) / total : double.NaN;
        }
    }

    /// <summary>Held-out evaluation: R, the KL to the mother and of both to the exact truth, over <paramref name="queries"/>.</summary>
    public ContextFitEvaluation Evaluate(ContextualQueries queries) => ContextFitEvaluation.Of(Mother, Daughter, queries);

    /// <summary>w' − w for each fitted parameter, as float64 tensors on the CPU (owned by the caller).</summary>
    public IReadOnlyList<(string Name, Tensor Update)> Updates()
    {
        var result = new List<(string, Tensor)>();
        using var noGrad = no_grad();
        foreach (string name in ParameterNames)
            result.Add((name, (ModelCopies.Parameter(Daughter, name).to_type(ScalarType.Float64) - ModelCopies.Parameter(Mother, name).to_type(ScalarType.Float64)).cpu()));
        return result;
    }

    public void Dispose() => Daughter.Dispose();
}

/// <summary>
/// How well a daughter p(· | x, w') stands in for the mother with the context, p(· | C ⊕ x, w), on queries x of the
/// context's task; every KL is the mean over queries of the mean over the T predictions after each position of x,
/// with its standard error over queries.
/// </summary>
/// <param name="Queries">n, the queries evaluated.</param>
/// <param name="R">The residual ratio KL(mother ‖ daughter) / KL(mother ‖ no change) (ratio of the means): 0 when the daughter
/// reproduces the mother (the hypothesis holds exactly), 1 when it does no better than the unchanged weights w.</param>
/// <param name="RSe">R's standard error over queries (delta method for a ratio of means).</param>
/// <param name="KlFit">KL(p(· | C ⊕ x, w) ‖ p(· | x, w')).</param>
/// <param name="KlFitSe">Its standard error.</param>
/// <param name="KlNoChange">KL(p(· | C ⊕ x, w) ‖ p(· | x, w)): how much the context changes the prediction.</param>
/// <param name="KlNoChangeSe">Its standard error.</param>
/// <param name="MotherTruthKl">KL(q(· | C ⊕ x) ‖ p(· | C ⊕ x, w)), the mother against the exact truth.</param>
/// <param name="MotherTruthKlSe">Its standard error.</param>
/// <param name="DaughterTruthKl">KL(q(· | C ⊕ x) ‖ p(· | x, w')), the fitted daughter against the same truth.</param>
/// <param name="DaughterTruthKlSe">Its standard error.</param>
/// <param name="ZeroShotTruthKl">KL(q(· | C ⊕ x) ‖ p(· | x, w)), the unchanged model without the context against the same truth.</param>
/// <param name="ZeroShotTruthKlSe">Its standard error.</param>
public sealed record ContextFitEvaluation(
    int Queries, double R, double RSe, double KlFit, double KlFitSe, double KlNoChange, double KlNoChangeSe,
    double MotherTruthKl, double MotherTruthKlSe, double DaughterTruthKl, double DaughterTruthKlSe,
    double ZeroShotTruthKl, double ZeroShotTruthKlSe)
{
    /// <summary>Evaluates <paramref name="daughter"/> against <paramref name="mother"/> with the context of <paramref name="queries"/>.</summary>
    /// <exception cref="InvalidOperationException">The context does not change the mother's predictions at all (R undefined).</exception>
    public static ContextFitEvaluation Of(Transformer mother, Transformer daughter, ContextualQueries queries)
    {
        ArgumentNullException.ThrowIfNull(mother);
        ArgumentNullException.ThrowIfNull(daughter);
        ArgumentNullException.ThrowIfNull(queries);
        FittedContextMap.CheckFits(mother, queries);
        if (queries.Count < 2) throw new ArgumentException("An evaluation needs at least two queries (for standard errors).", nameof(queries));
        var device = mother.parameters().First().device;
        int n = queries.Count, t = queries.QueryLength, v = mother.Config.VocabularySize;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var prefixed = queries.PrefixedTensor(device);
        var stripped = queries.StrippedTensor(device);
        var logMother = mother.LogProbabilities(prefixed)[.., TensorIndex.Slice(queries.ContextLength), ..].to_type(ScalarType.Float64).cpu();
        var logDaughter = daughter.LogProbabilities(stripped).to_type(ScalarType.Float64).cpu();
        var logZeroShot = mother.LogProbabilities(stripped).to_type(ScalarType.Float64).cpu();
        var pMother = logMother.exp();
        var q = tensor(queries.TruthConditionals(), [n, t, v], dtype: ScalarType.Float64);
        var qLogQ = q.xlogy(q);
        double[] PerQuery(Tensor perPosition) => perPosition.mean([1]).data<double>().ToArray();
        var fit = PerQuery((pMother * (logMother - logDaughter)).sum(-1));
        var none = PerQuery((pMother * (logMother - logZeroShot)).sum(-1));
        var motherTruth = PerQuery((qLogQ - q * logMother).sum(-1));
        var daughterTruth = PerQuery((qLogQ - q * logDaughter).sum(-1));
        var zeroTruth = PerQuery((qLogQ - q * logZeroShot).sum(-1));
        double meanNone = none.Average();
        if (!(meanNone > 0))
            throw new InvalidOperationException("The context does not change the mother's predictions on these queries (KL(mother ‖ no change) = 0): R is undefined.");
        double r = fit.Average() / meanNone;
        double residual = 0;
        for (int i = 0; i < n; i++) residual += Math.Pow(fit[i] - r * none[i], 2);
        double rSe = Math.Sqrt(residual / (n - 1) / n) / meanNone;
        return new ContextFitEvaluation(n, r, rSe, fit.Average(), Se(fit), meanNone, Se(none),
            motherTruth.Average(), Se(motherTruth), daughterTruth.Average(), Se(daughterTruth), zeroTruth.Average(), Se(zeroTruth));
    }

    private static double Se(double[] x)
    {
        double mean = x.Average(), ss = 0;
        foreach (double a in x) ss += (a - mean) * (a - mean);
        return Math.Sqrt(ss / (x.Length - 1) / x.Length);
    }
}
