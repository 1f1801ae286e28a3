namespace Slt.Diagnostics;

/// <summary>
/// Bounds that every correct estimate obeys, whatever the model: a number outside them is wrong, however well the chains
/// mixed, and is judged "Do not trust" with the bound it broke.
/// </summary>
/// <remarks>
/// <para><b>The learning coefficient.</b> 0 ≤ λ(w*) ≤ d/2 for d sampled coordinates (Watanabe 2009, Thm 6.6 and
/// Remark 6.5: the RLCT of an analytic K ≥ 0 is at most half the dimension, with equality for a regular minimum), and for
/// a restricted LLC its own d. The finite-temperature quantity the sampler estimates obeys the same bounds:
/// E_t[tK] = −d log Z(t)/d log t, and Z(t) = t^{−d/2} ∫ e^{−tK(u/√t)} du over the box scaled by √t, where tK(u/√t) is
/// non-increasing in t for every term of degree ≥ 2 and the domain grows, so t^{d/2} Z(t) is non-decreasing and
/// E_t[tK] ≤ d/2; the Gaussian localization only confines further. An estimate outside
/// [−k·se, d/2 + k·se] (k = <see cref="StandardErrors"/>) therefore did not come from the posterior it names.</para>
/// <para><b>The free energy.</b> d/dβ E^β[nL_n] = −Var^β[nL_n] ≤ 0, so the thermodynamic-integration integrand is
/// non-increasing in β, and F_n = ∫₀¹ E^β[nL_n] dβ lies between E^1[nL_n] and E^0[nL_n] (the prior mean, Jensen);
/// WBIC = E^{1/log n}[nL_n] lies between them too.</para>
/// </remarks>
public static class EstimateBounds
{
    /// <summary>How many standard errors an estimate may lie beyond a bound before it is judged wrong (3).</summary>
    public const double StandardErrors = 3;

    /// <summary>
    /// The flag for an LLC estimate outside [−3 se, d/2 + 3 se], or null when it lies inside. A standard error that is
    /// not finite (one chain) gives no slack.
    /// </summary>
    /// <param name="estimate">λ̂.</param>
    /// <param name="standardError">Its standard error.</param>
    /// <param name="dimension">d, the number of sampled coordinates.</param>
    public static DiagnosticFlag? CheckLearningCoefficient(double estimate, double standardError, long dimension)
    {
        if (dimension <= 0) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "The sampled dimension must be positive.");
        double slack = double.IsFinite(standardError) && standardError > 0 ? StandardErrors * standardError : 0;
        double upper = dimension / 2.0;
        if (estimate > upper + slack)
            return new DiagnosticFlag(Trust.Untrustworthy,
                $"λ̂ = {estimate:G4} exceeds d/2 = {upper:G4} (d = {dimension} sampled coordinates) by more than {StandardErrors} standard errors: " +
                "no learning coefficient can; the chains did not sample the localized posterior (ε far too large, or the chains left the basin of w*).");
        if (estimate < -slack)
            return new DiagnosticFlag(Trust.Untrustworthy,
                $"λ̂ = {estimate:G4} is below 0 by more than {StandardErrors} standard errors: no learning coefficient can be; w* is not a local minimum of L_n at this localization.");
        return null;
    }

    /// <summary>
    /// The flags for a thermodynamic-integration path and the estimates read off it: a rise of the integrand
    /// E^β[nL_n] between two β by more than 4 combined standard errors, and F̂ or WBIC outside
    /// [E^{β_max}[nL_n] − 3 se, E^{β_min}[nL_n] + 3 se].
    /// </summary>
    /// <param name="betas">The path's β, increasing.</param>
    /// <param name="energies">E^β[nL_n] at each β.</param>
    /// <param name="standardErrors">Their standard errors.</param>
    /// <param name="estimates">Named estimates that must lie between the path's ends, each with its standard error.</param>
    public static IReadOnlyList<DiagnosticFlag> CheckFreeEnergyPath(IReadOnlyList<double> betas, IReadOnlyList<double> energies,
        IReadOnlyList<double> standardErrors, IEnumerable<(string Name, double Value, double StandardError)> estimates)
    {
        ArgumentNullException.ThrowIfNull(betas);
        ArgumentNullException.ThrowIfNull(energies);
        ArgumentNullException.ThrowIfNull(standardErrors);
        ArgumentNullException.ThrowIfNull(estimates);
        if (betas.Count != energies.Count || betas.Count != standardErrors.Count || betas.Count < 2)
            throw new ArgumentException($"A path needs ≥ 2 points with one energy and one standard error each (got {betas.Count}, {energies.Count}, {standardErrors.Count}).", nameof(betas));
        for (int k = 1; k < betas.Count; k++)
            if (!(betas[k] > betas[k - 1])) throw new ArgumentException("The path's β must increase.", nameof(betas));
        var flags = new List<DiagnosticFlag>();
        static double Slack(double a, double b, double k) => k * Math.Sqrt(Finite(a) * Finite(a) + Finite(b) * Finite(b));
        var rise = Enumerable.Range(0, betas.Count)
            .SelectMany(i => Enumerable.Range(i + 1, betas.Count - i - 1), (i, j) => (i, j))
            .FirstOrDefault(p => energies[p.j] - energies[p.i] > Slack(standardErrors[p.i], standardErrors[p.j], PathStandardErrors), (i: -1, j: -1));
        if (rise.i >= 0)
            flags.Add(new DiagnosticFlag(Trust.Untrustworthy,
                $"E^β[nL_n] rises from {energies[rise.i]:G5} at β = {betas[rise.i]:G3} to {energies[rise.j]:G5} at β = {betas[rise.j]:G3}, by more than " +
                $"{PathStandardErrors} standard errors; it cannot (its β-derivative is −Var^β[nL_n] ≤ 0): the sampler did not reach those posteriors."));
        double low = energies[^1], lowSe = standardErrors[^1], high = energies[0], highSe = standardErrors[0];
        foreach (var (name, value, se) in estimates)
        {
            if (value < low - Slack(se, lowSe, StandardErrors))
                flags.Add(new DiagnosticFlag(Trust.Untrustworthy, $"{name} = {value:G5} lies below E^1[nL_n] = {low:G5} by more than {StandardErrors} standard errors; it cannot."));
            else if (value > high + Slack(se, highSe, StandardErrors))
                flags.Add(new DiagnosticFlag(Trust.Untrustworthy, $"{name} = {value:G5} lies above the prior mean E^0[nL_n] ≈ {high:G5} by more than {StandardErrors} standard errors; it cannot."));
        }
        return flags;
    }

    /// <summary>Standard errors a rise of the path must exceed to be flagged (4: the path's pairs are many comparisons).</summary>
    public const double PathStandardErrors = 4;

    private static double Finite(double se) => double.IsFinite(se) ? se : 0;
}
