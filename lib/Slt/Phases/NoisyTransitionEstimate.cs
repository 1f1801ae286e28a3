using Microsoft.Data.Analysis;
using Slt.Diagnostics;
using Slt.Estimators;
using Slt.GroundTruth;

namespace Slt.Phases;

/// <summary>One (seed, n) of <see cref="NoisyTransitionEstimate"/>: the free-energy gap by thermodynamic integration per region
/// against the exact gap for the same data.</summary>
public sealed record NoisyEstimateRow(long Seed, int N, double ExactGap, double Gap, double GapSe, Trust Trust)
{
    /// <summary>(ΔF̂ − ΔF) / se.</summary>
    public double Z => (Gap - ExactGap) / GapSe;
}

/// <summary>
/// The noisy model's transition estimated by sampling: for a few data seeds and sample sizes, each region's free energy
/// by thermodynamic integration (<see cref="NoisyRegionTarget"/>, the settings of <see cref="GroundTruthCases.FreeEnergySampler"/>)
/// on the same data as the exact computation; the estimated gap against the exact one, and each seed's n_c located the
/// same way from both (the last sign change of the gap along the grid, interpolated linearly in log n).
/// </summary>
public sealed record NoisyTransitionEstimate(NoisyRegionModel Model, int[] Grid, IReadOnlyList<NoisyEstimateRow> Rows, int Chains, double Seconds)
{
    /// <summary>True when read from the shipped results rather than computed in this process.</summary>
    public bool Shipped { get; init; }

    /// <summary>Runs <paramref name="seeds"/> data seeds (1 … seeds, the streams of <see cref="NoisyTransitionSpread"/>) at the
    /// sample sizes <paramref name="grid"/> (default 125, 250, 500, 1000).</summary>
    public static NoisyTransitionEstimate Run(NoisyRegionModel? model = null, int seeds = 3, int[]? grid = null, int chains = 32,
        IProgress<string>? progress = null)
    {
        model = (model ?? new NoisyRegionModel()).Validate();
        grid ??= [125, 250, 500, 1000];
        if (seeds is < 1 or > 100) throw new ArgumentOutOfRangeException(nameof(seeds), seeds, "seeds must be in [1, 100].");
        if (grid.Length < 2 || grid.Any(n => n < 3) || grid.Zip(grid.Skip(1)).Any(p => p.Second <= p.First))
            throw new ArgumentException("grid must hold at least two increasing sample sizes ≥ 3.", nameof(grid));
        if (chains < 2) throw new ArgumentOutOfRangeException(nameof(chains), chains, "chains must be at least 2.");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var rows = new List<NoisyEstimateRow>();
        for (int s = 1; s <= seeds; s++)
        {
            var (m1, m2) = NoisyRegionModel.RunningMeans(grid[^1], s);
            foreach (int n in grid)
            {
                double y1 = m1[n - 1], y2 = m2[n - 1];
                progress?.Report($"seed {s}, n = {n}: thermodynamic integration per region …");
                var (fs, ses, ts) = Region(model, true, y1, y2, n, chains, 1000 * s + n);
                var (fc, sec, tc) = Region(model, false, y1, y2, n, chains, 1000 * s + n + 1);
                var trust = (Trust)Math.Max((int)ts, (int)tc);
                rows.Add(new NoisyEstimateRow(s, n, model.FreeEnergyGap(n, y1, y2), fs - fc, Math.Sqrt(ses * ses + sec * sec), trust));
            }
        }
        return new NoisyTransitionEstimate(model, grid, rows, chains, clock.Elapsed.TotalSeconds);
    }

    private static (double F, double Se, Trust Trust) Region(NoisyRegionModel model, bool simple, double y1, double y2, int n, int chains, long seed)
    {
        var target = new NoisyRegionTarget(model, simple, y1, y2, n);
        var r = FreeEnergy.Estimate(target, GroundTruthCases.FreeEnergySampler(n, chains, seed), new ThermodynamicIntegrationSettings(), GroundTruthCases.FreeEnergyMaxStep);
        double prior = simple ? model.SimplePrior : model.ComplexPrior;
        return r.ThermodynamicIntegration is double f
            ? (-Math.Log(prior) + n * target.LowestLoss + f, r.ThermodynamicIntegrationSe!.Value, r.Trust)
            : (double.NaN, double.NaN, Trust.Divergent);
    }

    /// <summary>Everything that determines an estimate, as text (the key of its shipped result).</summary>
    public static string Key(NoisyRegionModel model, int seeds, int[] grid, int chains) =>
        $"noisy-transition|delta={model.Delta.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}|priors={model.SimplePrior.ToString("R", System.Globalization.CultureInfo.InvariantCulture)},{model.ComplexPrior.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}|seeds={seeds}|grid={string.Join(",", grid)}|chains={chains}";

    /// <summary>The shipped estimate for these settings, or a fresh <see cref="Run"/>; with <paramref name="ship"/>, always run
    /// and write the shipped file.</summary>
    public static NoisyTransitionEstimate ShippedOrRun(NoisyRegionModel? model = null, int seeds = 3, int[]? grid = null, int chains = 32,
        bool ship = false, IProgress<string>? progress = null)
    {
        model = (model ?? new NoisyRegionModel()).Validate();
        grid ??= [125, 250, 500, 1000];
        string key = Key(model, seeds, grid, chains);
        var (estimate, shipped) = Configuration.ShippedResults.ReadOrCompute("noisy-transition", key, () => Run(model, seeds, grid, chains, progress), ship);
        return estimate with { Shipped = shipped };
    }

    /// <summary>The last sign change (− to +) of the gap along the grid, interpolated linearly in log n; null if none.</summary>
    public static double? Crossing(IReadOnlyList<int> grid, IReadOnlyList<double> gap)
    {
        for (int i = grid.Count - 2; i >= 0; i--)
            if (gap[i] < 0 && gap[i + 1] >= 0)
            {
                double a = Math.Log(grid[i]), b = Math.Log(grid[i + 1]);
                return Math.Exp(a + (b - a) * -gap[i] / (gap[i + 1] - gap[i]));
            }
        return null;
    }

    /// <summary>Per seed: n_c from the exact gaps and from the estimated ones on the same grid.</summary>
    public IReadOnlyList<(long Seed, double? Exact, double? Estimated)> Crossings() => Rows.GroupBy(r => r.Seed)
        .Select(g => (g.Key, Crossing(Grid, g.Select(r => r.ExactGap).ToArray()), Crossing(Grid, g.Select(r => r.Gap).ToArray()))).ToArray();

    /// <summary>How many runs got each verdict, e.g. "12 Untrustworthy".</summary>
    public string VerdictCounts() => string.Join(", ", Rows.GroupBy(r => r.Trust).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key}"));

    /// <summary>One row per seed and n.</summary>
    public DataFrame ToDataFrame() => new(
        new PrimitiveDataFrameColumn<long>("seed", Rows.Select(r => r.Seed)),
        new PrimitiveDataFrameColumn<int>("n", Rows.Select(r => r.N)),
        new PrimitiveDataFrameColumn<double>("ΔF exact", Rows.Select(r => r.ExactGap)),
        new PrimitiveDataFrameColumn<double>("ΔF̂", Rows.Select(r => r.Gap)),
        new PrimitiveDataFrameColumn<double>("se", Rows.Select(r => r.GapSe)),
        new PrimitiveDataFrameColumn<double>("z", Rows.Select(r => r.Z)),
        new StringDataFrameColumn("verdict", Rows.Select(r => r.Trust.ToString())));
}
