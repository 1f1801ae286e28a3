namespace Slt.Estimators;

/// <summary>
/// λ̂ corrected for the sample's fluctuation. Watanabe's equation of state for the Gibbs training error at inverse
/// temperature β says E[E_w[L_n(w)] − L_n(w₀)] = (λ/β − ν(β))/n, so the LLC estimator with its baseline at the true
/// parameter has expectation λ − β ν(β), not λ: on a sample it is biased low by β ν, where ν(β) is the singular
/// fluctuation. ν(β) = (β/2) E[V_n], V_n = Σ_i Var_w[log p(y_i | x_i, w)] the functional variance (the same quantity
/// WAIC uses), which the sampler records. The corrected estimate is λ̂ + β ν̂ = λ̂ + (β²/2) V_n.
/// </summary>
/// <remarks>
/// S. Watanabe, "Equations of states in singular statistical estimation", Neural Networks 23 (2010) 20–34, and
/// "Asymptotic equivalence of Bayes cross validation and widely applicable information criterion", JMLR 11 (2010).
/// In a regular model ν = d/2 = λ, so the raw estimator reads λ(1 − β): 8.7% low at n = 100000 with β = 1/log n.
/// <para>This holds only when the baseline is taken at a true parameter w₀ (<c>OptimumKind.TrueParameter</c>). At a point
/// ŵ fitted to the same sample, E[nβ(E_w L_n − L_n(ŵ))] = λ − βν + β E[n(L_n(w₀) − L_n(ŵ))], and in a regular model the last
/// term is βd/2 = βν: the raw estimate is already unbiased to first order in β and adding βν̂ would over-correct (by about
/// +9% at n = 100000). The estimator therefore applies the correction only at a true parameter.</para>
/// Only for a loss that is a sample average of per-point negative log-likelihoods (a target with
/// <c>ChainGroup.PointwiseLoss</c>); a tempered potential e^{−tK} has no sample and needs no correction.
/// The correction removes the bias in expectation over samples; one sample's own fluctuation remains (it is what
/// the spread of λ̂ across data seeds shows).
/// </remarks>
/// <param name="Mean">Mean over chains of λ̂ + β ν̂.</param>
/// <param name="StandardError">The larger of the spread of the per-chain corrected values (s/√chains) and the Monte Carlo
/// standard error of the raw λ̂ (the correction itself varies little between chains).</param>
/// <param name="PerChain">λ̂ + β ν̂ per chain.</param>
/// <param name="SingularFluctuation">ν̂ = (β/2) V_n per chain.</param>
/// <param name="Beta">β = nβ / n.</param>
public sealed record FluctuationCorrection(double Mean, double StandardError, double[] PerChain, double[] SingularFluctuation, double Beta)
{
    /// <summary>The correction from per-chain raw estimates and functional variances; null when any value is not finite.</summary>
    public static FluctuationCorrection? From(double[] perChainLlc, double[] functionalVariance, double nBeta, long sampleSize,
        double monteCarloStandardError = double.NaN)
    {
        ArgumentNullException.ThrowIfNull(perChainLlc);
        ArgumentNullException.ThrowIfNull(functionalVariance);
        if (perChainLlc.Length != functionalVariance.Length)
            throw new ArgumentException($"{perChainLlc.Length} estimates but {functionalVariance.Length} functional variances.", nameof(functionalVariance));
        if (sampleSize <= 0) throw new ArgumentOutOfRangeException(nameof(sampleSize), sampleSize, "n must be positive.");
        double beta = nBeta / sampleSize;
        var nu = functionalVariance.Select(v => beta * v / 2).ToArray();
        var corrected = perChainLlc.Zip(nu, (l, v) => l + beta * v).ToArray();
        if (corrected.Length == 0 || corrected.Any(v => !double.IsFinite(v))) return null;
        var (mean, spread) = AcrossChains.MeanAndStandardError(corrected);
        return new FluctuationCorrection(mean, LocalLearningCoefficient.StandardError(spread, monteCarloStandardError), corrected, nu, beta);
    }

    /// <summary>Mean of ν̂ over chains.</summary>
    public double MeanSingularFluctuation => SingularFluctuation.Average();
}
