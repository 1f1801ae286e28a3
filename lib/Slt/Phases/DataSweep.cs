using System.Globalization;
using Microsoft.Data.Analysis;
using Slt.Configuration;
using Slt.Presentation;
using Slt.Truth;

namespace Slt.Phases;

/// <summary>
/// Phases in the data: the default architecture trained on corpora that differ from the default in one knob at a time
/// (Zipf exponent α, burstiness b, tasks per family), several seeds each, each model measured on bursty windows of its
/// corpus's tasks (<see cref="SweepMeasurement"/>): the captured in-context gain G overall, per family and per frequency
/// class, K by length, and the in-weights share on head tasks (docs/phases-data.md).
/// </summary>
/// <param name="Settings">What was swept.</param>
/// <param name="Rows">One row per corpus and seed.</param>
/// <param name="Seconds">Wall-clock seconds of the sweep when it ran.</param>
public sealed record DataSweep(DataSweepSettings Settings, IReadOnlyList<SweepMeasurement> Rows, double Seconds)
{
    private const string Kind = "phases-data";

    /// <summary>Whether this sweep was read from the shipped results.</summary>
    public bool Shipped { get; init; }

    /// <summary>Trains (or loads from the training cache) and measures every corpus and seed.</summary>
    /// <param name="settings">What to sweep (default <see cref="DataSweepSettings.Default"/>).</param>
    /// <param name="progress">One line per run.</param>
    /// <param name="useCache">False: neither read nor write the per-run measurement cache.</param>
    /// <param name="trainingDirectory">The training cache's folder (default <see cref="Training.TrainedModelCache.DefaultDirectory"/>).</param>
    public static DataSweep Run(DataSweepSettings? settings = null, IProgress<string>? progress = null, bool useCache = true,
        string? trainingDirectory = null)
    {
        settings = (settings ?? DataSweepSettings.Default).Validate();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var corpora = settings.Corpora();
        var rows = new List<SweepMeasurement>();
        int total = corpora.Count * settings.TrainingSeeds.Count, done = 0;
        foreach (var corpus in corpora)
        {
            var probe = new SweepProbe(new TrueDistribution(SweepMeasurement.ProbeCorpus(corpus)), settings.ProbeWindows, settings.ProbeSeed, settings.HeadShare);
            var own = corpus.Burstiness < 1 ? new SweepProbe(new TrueDistribution(corpus), settings.ProbeWindows, settings.ProbeSeed, settings.HeadShare) : null;
            foreach (long seed in settings.TrainingSeeds)
            {
                progress?.Report($"[{++done}/{total}] {SweepMeasurement.Describe(corpus)}, seed {seed}: training (or from the cache) and measuring … ({clock.Elapsed.TotalMinutes:F1} min)");
                var row = SweepMeasurement.Measure(settings.Recipe(corpus, seed), ArchitectureSweepSettings.DefaultLabel, probe, settings.ProbeKey(), own, useCache, trainingDirectory);
                progress?.Report($"    G = {row.Reading.Gain().Gain:F3} ± {row.Reading.Gain().StandardError:F3}, head {row.Reading.Gain("all", "head").Gain:F3}, " +
                                 $"tail {row.Reading.Gain("all", "tail").Gain:F3}, in-weights share {row.Reading.InWeightsShare:F3}");
                rows.Add(row);
            }
        }
        return new DataSweep(settings, rows, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The sweep shipped in <c>data/results</c> for <paramref name="settings"/> (written by
    /// <c>slt phases data --ship</c>), or null when none is shipped for exactly these settings.</summary>
    public static DataSweep? ReadShipped(DataSweepSettings? settings = null, string? directory = null)
    {
        settings = (settings ?? DataSweepSettings.Default).Validate();
        return ShippedResults.TryRead<DataSweep>(Kind, settings.Key(), directory) is { } stored ? stored with { Shipped = true } : null;
    }

    /// <summary>The default sweep as shipped, or null when it is absent (notebook 06).</summary>
    public static DataSweep? ShippedDefault() => ReadShipped();

    /// <summary>Writes this sweep to the shipped results; returns the file.</summary>
    public string Ship(string? directory = null) => ShippedResults.Write(Kind, Settings.Key(), this with { Shipped = false }, directory);

    /// <summary>One row per corpus and seed (<see cref="SweepTables.Runs"/>).</summary>
    public DataFrame ToDataFrame() => SweepTables.Runs(Rows);

    /// <summary>One row per corpus, seed, family ("all" too) and class: G ± se, windows, available gain.</summary>
    public DataFrame GainTable() => SweepTables.Gains(Rows);

    /// <summary>K^l ± se by input length, one row per corpus, seed and length.</summary>
    public DataFrame KlTable() => SweepTables.KlByLength(Rows);

    /// <summary>Per knob and value (the default corpus in each knob's series): means ± se over seeds.</summary>
    public IReadOnlyList<SweepSummaryRow> Summary()
    {
        var d = CorpusSpec.Default;
        var result = new List<SweepSummaryRow>();
        void Add(string knob, IEnumerable<double> values, Func<SweepMeasurement, double> knobOf, Func<SweepMeasurement, bool> others)
        {
            foreach (double v in values)
            {
                var runs = Rows.Where(r => others(r) && knobOf(r) == v).ToArray();
                if (runs.Length > 0) result.Add(SweepSummaryRow.Of(knob, v, runs[0].Corpus, runs));
            }
        }
        Add("zipf", Settings.Alphas, r => r.ZipfExponent, r => r.Burstiness == d.Burstiness && r.TasksPerFamily == d.TasksPerFamily);
        Add("burstiness", Settings.Bursts, r => r.Burstiness, r => r.ZipfExponent == d.ZipfExponent && r.TasksPerFamily == d.TasksPerFamily);
        Add("tasks", Settings.Tasks.Select(t => (double)t), r => r.TasksPerFamily, r => r.ZipfExponent == d.ZipfExponent && r.Burstiness == d.Burstiness);
        return result;
    }

    /// <summary><see cref="Summary"/> as a table.</summary>
    public DataFrame SummaryTable() => SweepTables.Summary(Summary());

    /// <summary>Three panels, one per knob: G (all, head, tail windows) and the in-weights share against the knob's value,
    /// means over seeds with their standard errors as error bars.</summary>
    public FigureGrid ToFigure()
    {
        var summary = Summary();
        Figure Panel(string knob, string axis, bool log)
        {
            var rows = summary.Where(s => s.Knob == knob).OrderBy(s => s.Value).ToArray();
            return SweepTables.SummaryFigure("", rows, new Axis(axis, Log: log, Ticks: rows.Select(r => r.Value).ToArray()));
        }
        return Figure.Grid(3, Panel("zipf", "Zipf exponent α", false), Panel("burstiness", "burstiness b", false), Panel("tasks", "tasks per family", true));
    }
}
