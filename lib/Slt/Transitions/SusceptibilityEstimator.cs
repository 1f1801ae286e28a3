namespace Slt.Transitions;

/// <summary>A susceptibility estimate: χ̂ with its Monte Carlo standard error.</summary>
/// <param name="Chi">χ̂ = −nβ Ĉov[φ, ΔL].</param>
/// <param name="StandardError">Batch-means standard error of χ̂ (autocorrelation within chains included).</param>
/// <param name="Batches">Number of batches the error was taken over (all chains together).</param>
public sealed record SusceptibilityValue(double Chi, double StandardError, int Batches)
{
    /// <summary>(χ̂ − exact) / se: how many standard errors from a known value.</summary>
    public double ZScore(double exact) => (Chi - exact) / StandardError;
}

/// <summary>
/// The covariance form of the susceptibility, from draws of the localized tempered posterior at h = 0:
/// χ = dE_h[φ]/dh at h = 0 = −nβ Cov_0[φ, ΔL], with ΔL = L_{q'} − L_q the change of the loss along the shift
/// (docs/susceptibilities.md §1).
/// </summary>
/// <remarks>
/// <para>Estimate. With the traces φ_{c,k}, ΔL_{c,k} of chains c at draws k (all after burn-in), the means φ̄, ΔL̄ are
/// pooled over every draw of every chain (the chains sample one posterior) and Ĉov = (1/(N − 1)) Σ_{c,k} (φ_{c,k} − φ̄)(ΔL_{c,k} − ΔL̄),
/// N the number of draws in all.</para>
/// <para>Error. The products z_{c,k} = (φ_{c,k} − φ̄)(ΔL_{c,k} − ΔL̄) are cut into <c>batchesPerChain</c> consecutive
/// batches per chain; the se of their mean is the standard deviation of the batch means over √(number of batches).
/// Batches much longer than the autocorrelation time of z make the batch means nearly independent, so the error
/// includes the autocorrelation along a chain and the spread between chains. nβ multiplies both.</para>
/// </remarks>
public static class SusceptibilityEstimator
{
    /// <summary>χ̂ = −nβ Ĉov[φ, ΔL] and its batch-means standard error.</summary>
    /// <param name="nBeta">nβ of the posterior the draws come from.</param>
    /// <param name="observable">φ per chain per draw.</param>
    /// <param name="shift">ΔL = L_{q'} − L_q per chain per draw, at the same draws.</param>
    /// <param name="batchesPerChain">Batches per chain for the standard error (≥ 1; at least 2 batches in all).</param>
    /// <exception cref="ArgumentException">No chains, ragged or mismatched traces, batches longer than chains, too few
    /// batches, a non-finite value, or nβ not positive.</exception>
    public static SusceptibilityValue Estimate(double nBeta, IReadOnlyList<double[]> observable, IReadOnlyList<double[]> shift, int batchesPerChain = 4)
    {
        ArgumentNullException.ThrowIfNull(observable);
        ArgumentNullException.ThrowIfNull(shift);
        if (!(nBeta > 0) || !double.IsFinite(nBeta)) throw new ArgumentException($"nβ must be finite and > 0; got {nBeta}.", nameof(nBeta));
        if (observable.Count == 0) throw new ArgumentException("No chains: the observable has no traces.", nameof(observable));
        if (shift.Count != observable.Count)
            throw new ArgumentException($"The shift has {shift.Count} chains, the observable {observable.Count}.", nameof(shift));
        int draws = observable[0].Length;
        for (int c = 0; c < observable.Count; c++)
        {
            if (observable[c].Length != draws || shift[c].Length != draws)
                throw new ArgumentException($"Chain {c} has {observable[c].Length} observable and {shift[c].Length} shift draws; every trace needs {draws}.", nameof(observable));
            if (observable[c].Any(v => !double.IsFinite(v)) || shift[c].Any(v => !double.IsFinite(v)))
                throw new ArgumentException($"Chain {c} has a non-finite value (a divergent chain?).", nameof(observable));
        }
        if (batchesPerChain < 1 || batchesPerChain > draws)
            throw new ArgumentException($"batchesPerChain = {batchesPerChain} must lie in 1..{draws} (the draws per chain).", nameof(batchesPerChain));
        int batches = batchesPerChain * observable.Count;
        if (batches < 2) throw new ArgumentException("The standard error needs at least two batches in all: use more chains or batches.", nameof(batchesPerChain));

        int total = draws * observable.Count;
        // Centred at the first draw before averaging (the covariance does not change): a constant trace then gives exactly
        // zero, and values such as L_n ≈ 60 with small fluctuations keep their digits.
        double phi0 = observable[0][0], shift0 = shift[0][0];
        double phiMean = observable.Sum(c => c.Sum(v => v - phi0)) / total;
        double shiftMean = shift.Sum(c => c.Sum(v => v - shift0)) / total;
        double correction = total / (total - 1.0);
        var means = new List<double>(batches);
        double sum = 0;
        for (int c = 0; c < observable.Count; c++)
        {
            for (int b = 0; b < batchesPerChain; b++)
            {
                int first = b * draws / batchesPerChain, last = (b + 1) * draws / batchesPerChain;
                double s = 0;
                for (int k = first; k < last; k++) s += (observable[c][k] - phi0 - phiMean) * (shift[c][k] - shift0 - shiftMean);
                sum += s;
                means.Add(s / (last - first));
            }
        }
        double covariance = sum / total * correction;
        double grand = means.Average();
        double spread = Math.Sqrt(means.Sum(m => (m - grand) * (m - grand)) / (means.Count - 1));
        double se = nBeta * correction * spread / Math.Sqrt(means.Count);
        return new SusceptibilityValue(-nBeta * covariance, se, batches);
    }
}
