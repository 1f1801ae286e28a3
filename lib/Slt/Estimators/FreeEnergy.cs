using Slt.Diagnostics;
using Slt.Sampling;

namespace Slt.Estimators;

/// <summary>Settings of thermodynamic integration.</summary>
public sealed record ThermodynamicIntegrationSettings
{
    private readonly int _points = 17;
    private readonly double _smallestBeta = 1e-4;

    /// <summary>Number of β values, log-spaced from <see cref="SmallestBeta"/> to 1 (odd, for Simpson's rule). Default 17.</summary>
    public int Points
    {
        get => _points;
        init => _points = value >= 3 && value % 2 == 1 ? value : throw new ArgumentOutOfRangeException(nameof(Points), value, "Points must be odd and ≥ 3.");
    }

    /// <summary>Smallest β of the grid; below it E^β[nL_n] is taken as its value at the smallest β (prior-like). Default 1e−4.</summary>
    public double SmallestBeta
    {
        get => _smallestBeta;
        init => _smallestBeta = value is > 0 and < 1 ? value : throw new ArgumentOutOfRangeException(nameof(SmallestBeta), value, "SmallestBeta must lie in (0, 1).");
    }

    /// <summary>The β grid, ascending: β_k = β₀^{1 − k/(Points − 1)}, k = 0 … Points − 1.</summary>
    public double[] Betas()
    {
        double lo = Math.Log(SmallestBeta);
        return Enumerable.Range(0, Points).Select(k => Math.Exp(lo * (1 - k / (double)(Points - 1)))).ToArray();
    }

    /// <summary>The weights w_k of the rule F_n ≈ Σ_k w_k E^{β_k}[nL_n] on <see cref="Betas"/>: composite Simpson in s = log β
    /// over [log β₀, 0] (the integrand is β E^β), plus β₀ E^{β₀} for [0, β₀].</summary>
    public double[] Weights()
    {
        var betas = Betas();
        double h = -Math.Log(SmallestBeta) / (Points - 1);
        var w = betas.Select((b, k) => h / 3 * (k == 0 || k == Points - 1 ? 1 : k % 2 == 1 ? 4 : 2) * b).ToArray();
        w[0] += betas[0];
        return w;
    }
}

/// <summary>
/// Free energy F_n = −log Z_n = ∫₀¹ E^β[n L_n] dβ (thermodynamic integration; φ must be a normalized prior, here the
/// uniform prior box or the Gaussian localization around w*) and WBIC = E^{1/log n}[n L_n] (Watanabe 2013).
/// </summary>
/// <remarks>
/// With s = log β the integral is ∫ β E^β[nL_n] ds over [log β₀, 0] (composite Simpson), plus β₀ E^{β₀}[nL_n] for
/// [0, β₀]. At each β the sampler runs with nβ = β·n and step ε_β = min(ε_max, ε / β), keeping ε·nβ (the step relative
/// to the posterior's curvature) fixed; ε is the sampler settings' step size, meant for β = 1. Burn-in and sampling at
/// each β last at least 1/ε_β steps (Langevin time 1).
/// </remarks>
public static class FreeEnergy
{
    /// <summary>Estimates F_n by thermodynamic integration and WBIC.</summary>
    /// <param name="target">The loss; its <see cref="ITemperedTarget.SampleSize"/> is n.</param>
    /// <param name="sampler">SGLD settings at β = 1 (its NBeta is ignored: each point sets its own).</param>
    /// <param name="settings">The β grid.</param>
    /// <param name="maxStepSize">ε_max, the cap on the step at small β.</param>
    /// <param name="exact">Exact F_n, if known.</param>
    /// <param name="exactWbic">Exact WBIC, if known.</param>
    /// <param name="progress">Reports each β.</param>
    /// <param name="cancellationToken">Stops between steps.</param>
    public static FreeEnergyResult Estimate(ITemperedTarget target, SgldSettings sampler, ThermodynamicIntegrationSettings? settings = null,
        double maxStepSize = 1e-2, double? exact = null, double? exactWbic = null, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(sampler);
        var ti = settings ?? new ThermodynamicIntegrationSettings();
        if (sampler.Box is null && sampler.Localization == 0)
            throw new ArgumentException("Thermodynamic integration needs a normalized prior: set a prior Box or a Localization γ > 0.", nameof(sampler));
        double n = target.SampleSize;
        var betas = ti.Betas();
        var path = new List<IntegrandPoint>();
        var divergent = new List<string>();
        var pointTrust = new List<Trust>();
        for (int k = 0; k < ti.Points; k++)
        {
            double beta = betas[k];
            progress?.Report($"thermodynamic integration: β = {beta:G3} ({k + 1}/{ti.Points})");
            var (energy, se, diag) = Energy(target, sampler, beta * n, maxStepSize, n, k, cancellationToken);
            if (diag.IsDivergent) divergent.Add($"β = {beta:G3}");
            pointTrust.Add(diag.Trust);
            path.Add(new IntegrandPoint(beta, energy, se, diag.Verdict));
        }
        progress?.Report("WBIC");
        var (wbic, wbicSe, wbicDiag) = Energy(target, sampler, n / Math.Log(n), maxStepSize, n, ti.Points, cancellationToken);

        var weights = ti.Weights();
        double integral = 0, variance = 0;
        for (int k = 0; k < path.Count; k++)
        {
            integral += weights[k] * path[k].Energy;
            variance += Math.Pow(weights[k] * path[k].StandardError, 2);
        }
        bool bad = divergent.Count > 0;
        bool wbicBad = wbicDiag.IsDivergent;
        var outside = bad ? [] : EstimateBounds.CheckFreeEnergyPath(path.Select(p => p.Beta).ToArray(), path.Select(p => p.Energy).ToArray(),
            path.Select(p => p.StandardError).ToArray(),
            wbicBad ? [("F̂_n", integral, Math.Sqrt(variance))] : [("F̂_n", integral, Math.Sqrt(variance)), ("WBIC", wbic, wbicSe)]);
        var trust = bad ? Trust.Divergent
            : outside.Count > 0 ? Trust.Untrustworthy
            : pointTrust.Append(wbicDiag.Trust).Max();
        string verdict = trust switch
        {
            Trust.Divergent => $"Divergent at {string.Join(", ", divergent)}: no free-energy estimate. Reduce the step size.",
            Trust.Untrustworthy when outside.Count > 0 => "Do not trust: " + string.Join(" ", outside.Select(f => f.Reason)),
            Trust.Untrustworthy => $"Do not trust: the sampler failed its checks at {Failing(path, pointTrust, wbicDiag, Trust.Untrustworthy)} (see their diagnostics).",
            Trust.Trustworthy => "Trustworthy: every point of the path passed the sampler diagnostics, and the path obeys its bounds.",
            _ => $"Use with care: some points of the path need care, at {Failing(path, pointTrust, wbicDiag, Trust.Caution)} (see their diagnostics).",
        };
        return new FreeEnergyResult(target.SampleSize, bad ? null : integral, bad ? null : Math.Sqrt(variance),
            wbicBad ? null : wbic, wbicBad ? null : wbicSe, exact, exactWbic, path, verdict, trust);
    }

    private static string Failing(IReadOnlyList<IntegrandPoint> path, IReadOnlyList<Trust> trust, SamplerDiagnostics wbic, Trust level)
    {
        var names = path.Where((p, k) => trust[k] >= level).Select(p => $"β = {p.Beta:G3}").ToList();
        if (wbic.Trust >= level) names.Add("the WBIC temperature");
        return string.Join(", ", names);
    }

    // The path samples the whole tempered posterior, whose center need not be w* (the prior's center, where chains start):
    // a chain far below L_n(w*) is expected here, not a sign that w* is no minimum, so that check of the LLC is off.
    private static readonly DiagnosticThresholds PathThresholds = new() { BelowOptimum = double.PositiveInfinity };

    private static (double Energy, double Se, SamplerDiagnostics Diagnostics) Energy(ITemperedTarget target, SgldSettings sampler,
        double nBeta, double maxStepSize, double n, int index, CancellationToken token)
    {
        double beta = nBeta / n;
        double eps = Math.Min(maxStepSize, sampler.StepSize / beta);
        // Burn-in and sampling each span a Langevin time ≥ 1 (ε · steps ≥ 1): enough to cross the prior box, so that
        // chains started anywhere in it forget their start even at the stiffest β.
        int span = (int)Math.Min(int.MaxValue / 4, Math.Ceiling(1 / eps));
        var settings = sampler with
        {
            NBeta = nBeta,
            StepSize = eps,
            BurnIn = Math.Max(sampler.BurnIn, span),
            StepsBetweenDraws = Math.Max(sampler.StepsBetweenDraws, (int)Math.Ceiling(span / (double)sampler.Draws)),
            Start = sampler.Box is null ? ChainStart.Optimum : ChainStart.PriorBox,
            Seed = sampler.Seed + 7919 * (index + 1),
        };
        var run = Sgld.Run(target, settings, null, token);
        var diagnostics = SamplerDiagnostics.Assess(run, PathThresholds);
        var perChain = run.MeanLoss.Select(l => n * l).ToArray();
        var (mean, se) = AcrossChains.MeanAndStandardError(perChain);
        return (mean, se, diagnostics);
    }
}
