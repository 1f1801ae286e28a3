using Microsoft.Data.Analysis;
using Slt.Presentation;

namespace Slt.Phases;

/// <summary>One data seed of <see cref="NoisyTransitionSpread"/>.</summary>
/// <param name="Seed">The data stream's seed.</param>
/// <param name="Critical">The exact n_c of this data stream: the first grid n from which the complex region holds the
/// posterior majority at every later grid point (null if it never does by the largest n).</param>
/// <param name="FirstMajority">The first grid n where the complex region holds the majority.</param>
/// <param name="Crossings">How many times the majority changes hands along the grid.</param>
public sealed record NoisyTransitionRow(long Seed, double? Critical, double? FirstMajority, int Crossings);

/// <summary>
/// The random Bayesian transition of <see cref="NoisyRegionModel"/>: for each data seed, a stream y₁ … y_N and the exact
/// posterior mass of the complex region at every n of a log grid; the critical n_c per seed; its spread over seeds against
/// the population's exact n_c (ȳ = 0) and the seminar formula's.
/// </summary>
/// <param name="Model">The model.</param>
/// <param name="Grid">The sample sizes (integers, increasing).</param>
/// <param name="Rows">One per seed.</param>
/// <param name="Masses">Masses[seed index][grid index]: the exact P(complex | D_n).</param>
/// <param name="PopulationMasses">The population's mass on the grid (ȳ = 0).</param>
/// <param name="PopulationCritical">The population's n_c on the same grid.</param>
/// <param name="FormulaCritical">The seminar formula's n_c (n δ²/2 = ½ log n).</param>
/// <param name="Seconds">Wall time.</param>
public sealed record NoisyTransitionSpread(NoisyRegionModel Model, int[] Grid, IReadOnlyList<NoisyTransitionRow> Rows,
    double[][] Masses, double[] PopulationMasses, double? PopulationCritical, double? FormulaCritical, double Seconds)
{
    /// <summary>Runs <paramref name="seeds"/> data streams (seeds 1 … seeds) of <paramref name="maxN"/> points each.</summary>
    /// <param name="model">The model (default δ = √0.02, so c = 0.01 as in <see cref="RegionTransition.Default"/>).</param>
    /// <param name="seeds">Number of data seeds, 2 ≤ · ≤ 10,000.</param>
    /// <param name="maxN">The largest sample size, 10 ≤ · ≤ 10⁷.</param>
    /// <param name="gridPoints">Log-spaced grid points from n = 2 (duplicates after rounding removed).</param>
    public static NoisyTransitionSpread Run(NoisyRegionModel? model = null, int seeds = 100, int maxN = 20_000, int gridPoints = 160)
    {
        model = (model ?? new NoisyRegionModel()).Validate();
        if (seeds is < 2 or > 10_000) throw new ArgumentOutOfRangeException(nameof(seeds), seeds, "seeds must be in [2, 10000].");
        if (maxN is < 10 or > 10_000_000) throw new ArgumentOutOfRangeException(nameof(maxN), maxN, "maxN must be in [10, 10000000].");
        if (gridPoints is < 10 or > 10_000) throw new ArgumentOutOfRangeException(nameof(gridPoints), gridPoints, "gridPoints must be in [10, 10000].");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var grid = Enumerable.Range(0, gridPoints).Select(i => (int)Math.Round(Math.Exp(Math.Log(2) + (Math.Log(maxN) - Math.Log(2)) * i / (gridPoints - 1))))
            .Distinct().ToArray();
        var population = grid.Select(n => model.MassOfComplex(n, 0, 0)).ToArray();
        var masses = new double[seeds][];
        var rows = new NoisyTransitionRow[seeds];
        Parallel.For(0, seeds, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, s =>
        {
            var (m1, m2) = NoisyRegionModel.RunningMeans(maxN, s + 1);
            masses[s] = grid.Select(n => model.MassOfComplex(n, m1[n - 1], m2[n - 1])).ToArray();
            var (critical, first, crossings) = Locate(grid, masses[s]);
            rows[s] = new NoisyTransitionRow(s + 1, critical, first, crossings);
        });
        return new NoisyTransitionSpread(model, grid, rows, masses, population, Locate(grid, population).Critical,
            model.FormulaCriticalSampleSize(), clock.Elapsed.TotalSeconds);
    }

    private static (double? Critical, double? First, int Crossings) Locate(int[] grid, double[] mass)
    {
        int crossings = 0;
        double? first = null;
        int lastMinority = -1;
        for (int i = 0; i < grid.Length; i++)
        {
            bool majority = mass[i] >= 0.5;
            if (majority && first is null) first = grid[i];
            if (!majority) lastMinority = i;
            if (i > 0 && majority != mass[i - 1] >= 0.5) crossings++;
        }
        double? critical = lastMinority == grid.Length - 1 ? null : grid[lastMinority + 1];
        return (critical, first, crossings);
    }

    /// <summary>The seeds whose complex region wins by the largest n.</summary>
    public double[] Criticals => Rows.Where(r => r.Critical is not null).Select(r => r.Critical!.Value).ToArray();

    /// <summary>Quantile q of the per-seed n_c (seeds with no transition left out).</summary>
    public double Quantile(double q)
    {
        var sorted = Criticals.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /// <summary>Median, quartiles and 5–95 % range of n_c over seeds beside the population's and the formula's.</summary>
    public DataFrame SummaryTable()
    {
        var names = new[] { "seeds (with a transition by the largest n)", "median n_c", "quartiles", "5 % – 95 %", "seeds whose majority changes hands more than once", "population n_c (ȳ = 0)", "formula n_c (n c = ½ log n)" };
        var values = new[]
        {
            $"{Rows.Count} ({Criticals.Length})",
            $"{Quantile(0.5):F0}",
            $"{Quantile(0.25):F0} – {Quantile(0.75):F0}",
            $"{Quantile(0.05):F0} – {Quantile(0.95):F0}",
            $"{Rows.Count(r => r.Crossings > 1)}",
            PopulationCritical is double p ? $"{p:F0}" : "none",
            FormulaCritical is double f ? $"{f:F0}" : "none",
        };
        return new DataFrame(new StringDataFrameColumn("quantity", names), new StringDataFrameColumn("value", values));
    }

    /// <summary>P(complex | D_n) against n for the first <paramref name="shown"/> seeds, the population's curve strong.</summary>
    public Figure ToFigure(int shown = 20)
    {
        var x = Grid.Select(n => (double)n).ToArray();
        var traces = new List<Trace>
        {
            new BundleTrace($"{Math.Min(shown, Masses.Length)} data seeds", x, Masses.Take(shown).ToArray()),
            new LineTrace("population (ȳ = 0)", x, PopulationMasses, Emphasis: Emphasis.Strong),
        };
        var marks = new List<Mark>();
        if (Criticals.Length > 0) marks.Add(new XSpan("n_c, 5–95 % over seeds", Quantile(0.05), Quantile(0.95)));
        if (FormulaCritical is double f) marks.Add(new VerticalLine($"formula n_c = {f:F0}", f));
        return new Figure("With sampling noise: P(complex | D_n) for each data seed", traces,
            new Axis("sample size n", Log: true), new Axis("posterior mass of the complex region", Min: 0, Max: 1)) { Marks = marks };
    }
}
