using Microsoft.Data.Analysis;
using Slt.Diagnostics;
using Slt.GroundTruth;

namespace Slt.Phases;

/// <summary>One sample size of <see cref="RegionTransitionEstimate"/>: each region's free energy by thermodynamic
/// integration (its shape's F̂ plus −log π + n c) beside the exact values.</summary>
public sealed record RegionFreeEnergyPoint(double N, double SimpleEstimate, double SimpleSe, double SimpleExact,
    double ComplexEstimate, double ComplexSe, double ComplexExact, Trust Trust)
{
    /// <summary>F̂_simple − F̂_complex.</summary>
    public double Gap => SimpleEstimate - ComplexEstimate;

    /// <summary>Its standard error (independent runs).</summary>
    public double GapSe => Math.Sqrt(SimpleSe * SimpleSe + ComplexSe * ComplexSe);

    /// <summary>The exact gap.</summary>
    public double ExactGap => SimpleExact - ComplexExact;
}

/// <summary>
/// The critical n_c estimated by sampling, without quadrature: the free energy of each region by thermodynamic
/// integration (SGLD on the region's box, <see cref="GroundTruthCases.EstimateFreeEnergy"/>) at sample sizes around the
/// formula's n_c, then the gap ΔF̂(n) = F̂_simple − F̂_complex fitted by the form the asymptotics give,
/// ΔF(n) − nΔc ≈ a + b log n (weighted least squares; Δc = c_simple − c_complex is known, the losses at the regions'
/// minima), and n_c the root of nΔc + a + b log n. −b estimates λ_complex − λ_simple (the log log n term folded in).
/// </summary>
/// <param name="Points">The sample sizes with both regions' estimates.</param>
/// <param name="Critical">The estimated n_c (null when the fit has no root in the grid's range or a run diverged).</param>
/// <param name="CriticalSe">Its standard error (delta method on the fit's covariance).</param>
/// <param name="Slope">b, the fitted coefficient of log n (≈ −Δλ).</param>
/// <param name="SlopeSe">Its standard error.</param>
/// <param name="ChiSquare">The fit's χ² over Points − 2 degrees of freedom.</param>
/// <param name="Trust">The worst verdict of the thermodynamic-integration runs.</param>
/// <param name="Seconds">Wall time.</param>
public sealed record RegionTransitionEstimate(IReadOnlyList<RegionFreeEnergyPoint> Points, double? Critical, double? CriticalSe,
    double Slope, double SlopeSe, double ChiSquare, Trust Trust, double Seconds)
{
    /// <summary>True when read from the shipped results (<c>data/results/</c>) rather than computed in this process.</summary>
    public bool Shipped { get; init; }

    /// <summary>Everything that determines an estimate, as text (the key of its shipped result).</summary>
    public static string Key(RegionTransition transition, int points, int chains, long seed) =>
        $"region-transition|{transition.Summary()}|points={points}|chains={chains}|seed={seed}";

    /// <summary>The shipped estimate for these settings (<see cref="Configuration.ShippedResults"/>), or a fresh
    /// <see cref="Run"/> (about three minutes on two cores at 128 chains); with <paramref name="ship"/>, always run and
    /// write the shipped file.</summary>
    public static RegionTransitionEstimate ShippedOrRun(RegionTransition transition, int points = 5, int chains = 128, long seed = 1,
        bool ship = false, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(transition);
        string key = Key(transition, points, chains, seed);
        var (estimate, shipped) = Configuration.ShippedResults.ReadOrCompute("region-transition", key, () => Run(transition, points, chains, seed, progress), ship);
        return estimate with { Shipped = shipped };
    }

    /// <summary>
    /// Runs thermodynamic integration for both regions at <paramref name="points"/> sample sizes log-spaced over
    /// [n_f / 2, 3 n_f], n_f the seminar formula's n_c (n c + λ log n), and fits the gap.
    /// </summary>
    /// <param name="transition">The pair of regions (shapes with closed-form λ, for the formula's n_c).</param>
    /// <param name="points">Sample sizes, at least 3.</param>
    /// <param name="chains">SGLD chains per run.</param>
    /// <param name="seed">Seed of the first run (each run its own).</param>
    /// <param name="progress">Reports each run.</param>
    public static RegionTransitionEstimate Run(RegionTransition transition, int points = 5, int chains = 64, long seed = 1,
        IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(transition);
        transition.Validate();
        if (points < 3) throw new ArgumentOutOfRangeException(nameof(points), points, "points must be at least 3 (two fit parameters and a residual).");
        if (chains < 2) throw new ArgumentOutOfRangeException(nameof(chains), chains, "chains must be at least 2.");
        double nf = transition.PredictedCriticalSampleSize(FreeEnergyTerms.Leading)
            ?? throw new ArgumentException("The seminar formula gives no n_c for this pair (λ unknown or no crossing); nothing to bracket.", nameof(transition));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var grid = Enumerable.Range(0, points).Select(i => Math.Round(nf / 2 * Math.Pow(6, i / (double)(points - 1)))).Distinct().ToArray();
        var rows = new List<RegionFreeEnergyPoint>();
        var trust = Trust.Trustworthy;
        for (int i = 0; i < grid.Length; i++)
        {
            double n = grid[i];
            var (s, se1, ex1, t1) = Region(transition.Simple, n, chains, seed + 2 * i, progress);
            var (c, se2, ex2, t2) = Region(transition.Complex, n, chains, seed + 2 * i + 1, progress);
            var worst = (Trust)Math.Max((int)t1, (int)t2);
            trust = (Trust)Math.Max((int)trust, (int)worst);
            rows.Add(new RegionFreeEnergyPoint(n, s, se1, ex1, c, se2, ex2, worst));
        }
        if (trust == Trust.Divergent) return new RegionTransitionEstimate(rows, null, null, double.NaN, double.NaN, double.NaN, trust, clock.Elapsed.TotalSeconds);
        double dc = transition.Simple.Loss - transition.Complex.Loss;
        var (a, b, cov, chi2) = Fit(rows, dc);
        double? root = Root(a, b, dc, grid[0], grid[^1]);
        double? rootSe = null;
        if (root is double r)
        {
            // g(n) = nΔc + a + b log n = 0: dn/da = −1/g'(n), dn/db = −log n / g'(n), g'(n) = Δc + b/n.
            double g1 = dc + b / r, da = -1 / g1, db = -Math.Log(r) / g1;
            rootSe = Math.Sqrt(da * da * cov[0, 0] + 2 * da * db * cov[0, 1] + db * db * cov[1, 1]);
        }
        return new RegionTransitionEstimate(rows, root, rootSe, b, Math.Sqrt(cov[1, 1]), chi2, trust, clock.Elapsed.TotalSeconds);
    }

    private static (double F, double Se, double Exact, Trust Trust) Region(PhaseRegion region, double n, int chains, long seed, IProgress<string>? progress)
    {
        progress?.Report($"thermodynamic integration: {region.Name} region at n = {n:F0} …");
        var r = GroundTruthCases.EstimateFreeEnergy(region.Shape.Notation, (long)n, chains, seed);
        double offset = -Math.Log(region.PriorMass) + n * region.Loss;
        double exact = region.FreeEnergy(n);
        return r.ThermodynamicIntegration is double f
            ? (offset + f, r.ThermodynamicIntegrationSe!.Value, exact, r.Trust)
            : (double.NaN, double.NaN, exact, Trust.Divergent);
    }

    /// <summary>Weighted least squares of y = ΔF̂ − nΔc on (1, log n): coefficients, covariance, χ².</summary>
    private static (double A, double B, double[,] Cov, double Chi2) Fit(IReadOnlyList<RegionFreeEnergyPoint> rows, double dc)
    {
        double s0 = 0, s1 = 0, s2 = 0, t0 = 0, t1 = 0;
        foreach (var p in rows)
        {
            double w = 1 / (p.GapSe * p.GapSe), x = Math.Log(p.N), y = p.Gap - p.N * dc;
            s0 += w; s1 += w * x; s2 += w * x * x; t0 += w * y; t1 += w * x * y;
        }
        double det = s0 * s2 - s1 * s1;
        double a = (s2 * t0 - s1 * t1) / det, b = (s0 * t1 - s1 * t0) / det;
        var cov = new double[,] { { s2 / det, -s1 / det }, { -s1 / det, s0 / det } };
        double chi2 = rows.Sum(p => Math.Pow((p.Gap - p.N * dc - a - b * Math.Log(p.N)) / p.GapSe, 2));
        return (a, b, cov, chi2);
    }

    /// <summary>The largest root of nΔc + a + b log n in [lo/2, 2hi] (bisection), or null.</summary>
    private static double? Root(double a, double b, double dc, double lo, double hi)
    {
        double g(double n) => n * dc + a + b * Math.Log(n);
        double x0 = lo / 2, x1 = 2 * hi;
        if (!(g(x1) > 0)) return null;
        // Scan down from the top for the first point where g < 0, then bisect.
        double ratio = Math.Pow(2, 1 / 32.0), n = x1;
        while (n > x0 && g(n) > 0) n /= ratio;
        if (n <= x0) return null;
        double u = n, v = n * ratio;
        for (int i = 0; i < 60; i++) { double m = Math.Sqrt(u * v); if (g(m) < 0) u = m; else v = m; }
        return Math.Sqrt(u * v);
    }

    /// <summary>One row per sample size: estimated and exact free energies of each region and the gap.</summary>
    public DataFrame ToDataFrame() => new(
        new PrimitiveDataFrameColumn<double>("n", Points.Select(p => p.N)),
        new PrimitiveDataFrameColumn<double>("F̂ simple", Points.Select(p => p.SimpleEstimate)),
        new PrimitiveDataFrameColumn<double>("F simple (exact)", Points.Select(p => p.SimpleExact)),
        new PrimitiveDataFrameColumn<double>("F̂ complex", Points.Select(p => p.ComplexEstimate)),
        new PrimitiveDataFrameColumn<double>("F complex (exact)", Points.Select(p => p.ComplexExact)),
        new PrimitiveDataFrameColumn<double>("ΔF̂", Points.Select(p => p.Gap)),
        new PrimitiveDataFrameColumn<double>("se", Points.Select(p => p.GapSe)),
        new PrimitiveDataFrameColumn<double>("ΔF (exact)", Points.Select(p => p.ExactGap)),
        new StringDataFrameColumn("verdict", Points.Select(p => p.Trust.ToString())));
}
