using Microsoft.Data.Analysis;
using Slt.Configuration;
using Slt.Presentation;
using Slt.Truth;

namespace Slt.Phases;

/// <summary>The smallest architecture of a sweep whose captured gain reaches a share of the available in-context gain.</summary>
/// <param name="Share">The share g* asked for.</param>
/// <param name="Architecture">The smallest (by parameters) architecture whose mean G over seeds is at least g*, or null.</param>
/// <param name="Parameters">Its parameter count, or null.</param>
/// <param name="Gain">Its G over seeds, or null.</param>
/// <param name="Confident">The smallest whose mean G minus two standard errors over seeds (or, with one seed, minus two
/// per-run standard errors) is at least g*, or null.</param>
public sealed record FrontierPoint(double Share, string? Architecture, long? Parameters, OverSeeds? Gain, string? Confident)
{
    /// <summary>One printed line: the share, the smallest architecture reaching it with its parameters and G, and the smallest
    /// that clears it by two standard errors.</summary>
    public string Line() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"share {Share:P0}: smallest {Architecture ?? "none"}{(Parameters is long p ? $" ({p:N0} parameters)" : "")}, G {Gain?.ToString() ?? "—"}; smallest clearing it by 2 se: {Confident ?? "none"}");
}

/// <summary>
/// The smallest in-context learner: on the default corpus, architectures of four kinds (one softmax layer without and
/// with an MLP, two layers, one linear-attention layer) at several widths, several seeds each, measured as in
/// <see cref="DataSweep"/>; the frontier of parameter count against captured gain (docs/phases-data.md).
/// </summary>
/// <param name="Settings">What was swept.</param>
/// <param name="Rows">One row per architecture and seed.</param>
/// <param name="Seconds">Wall-clock seconds of the sweep when it ran.</param>
public sealed record ArchitectureSweep(ArchitectureSweepSettings Settings, IReadOnlyList<SweepMeasurement> Rows, double Seconds)
{
    private const string Kind = "phases-architecture";

    /// <summary>Whether this sweep was read from the shipped results.</summary>
    public bool Shipped { get; init; }

    /// <summary>Trains (or loads from the training cache) and measures every architecture and seed, smallest widths first.</summary>
    /// <param name="settings">What to sweep (default <see cref="ArchitectureSweepSettings.Default"/>).</param>
    /// <param name="progress">One line per run.</param>
    /// <param name="useCache">False: neither read nor write the per-run measurement cache.</param>
    /// <param name="trainingDirectory">The training cache's folder (default <see cref="Training.TrainedModelCache.DefaultDirectory"/>).</param>
    public static ArchitectureSweep Run(ArchitectureSweepSettings? settings = null, IProgress<string>? progress = null, bool useCache = true,
        string? trainingDirectory = null)
    {
        settings = (settings ?? ArchitectureSweepSettings.Default).Validate();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var corpus = CorpusSpec.Default;
        var probe = new SweepProbe(new TrueDistribution(SweepMeasurement.ProbeCorpus(corpus)), settings.ProbeWindows, settings.ProbeSeed, settings.HeadShare);
        var rows = new List<SweepMeasurement>();
        var plan = settings.ModelWidths.Order().SelectMany(w => settings.ArchitectureKinds.Select(k => (k, w))).ToArray();
        int total = plan.Length * settings.TrainingSeeds.Count, done = 0;
        foreach (var (kind, width) in plan)
            foreach (long seed in settings.TrainingSeeds)
            {
                var recipe = settings.Recipe(kind, width, seed);
                string label = ArchitectureSweepSettings.Describe(recipe.Model);
                progress?.Report($"[{++done}/{total}] {label}, seed {seed}: training (or from the cache) and measuring … ({clock.Elapsed.TotalMinutes:F1} min)");
                var row = SweepMeasurement.Measure(recipe, label, probe, settings.ProbeKey(), null, useCache, trainingDirectory);
                progress?.Report($"    {row.Parameters} parameters: G = {row.Reading.Gain().Gain:F3} ± {row.Reading.Gain().StandardError:F3}, in-weights share {row.Reading.InWeightsShare:F3}");
                rows.Add(row);
            }
        return new ArchitectureSweep(settings, rows, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The sweep shipped in <c>data/results</c> for <paramref name="settings"/> (written by
    /// <c>slt phases architecture --ship</c>), or null when none is shipped for exactly these settings.</summary>
    public static ArchitectureSweep? ReadShipped(ArchitectureSweepSettings? settings = null, string? directory = null)
    {
        settings = (settings ?? ArchitectureSweepSettings.Default).Validate();
        return ShippedResults.TryRead<ArchitectureSweep>(Kind, settings.Key(), directory) is { } stored ? stored with { Shipped = true } : null;
    }

    /// <summary>The default sweep as shipped, or null when it is absent (notebook 06).</summary>
    public static ArchitectureSweep? ShippedDefault() => ReadShipped();

    /// <summary>The sweep with the small widths as shipped (<see cref="ArchitectureSweepSettings.SmallWidths"/>, written by
    /// <c>slt phases architecture --widths 4,8,16,32,64 --ship</c>), or null when it is absent.</summary>
    public static ArchitectureSweep? ShippedSmallWidths() => ReadShipped(ArchitectureSweepSettings.SmallWidths);

    /// <summary>Writes this sweep to the shipped results; returns the file.</summary>
    public string Ship(string? directory = null) => ShippedResults.Write(Kind, Settings.Key(), this with { Shipped = false }, directory);

    /// <summary>One row per architecture and seed (<see cref="SweepTables.Runs"/>).</summary>
    public DataFrame ToDataFrame() => SweepTables.Runs(Rows);

    /// <summary>One row per architecture, seed, family ("all" too) and class: G ± se.</summary>
    public DataFrame GainTable() => SweepTables.Gains(Rows);

    /// <summary>K^l ± se by input length, one row per architecture, seed and length.</summary>
    public DataFrame KlTable() => SweepTables.KlByLength(Rows);

    /// <summary>Per architecture, smallest first: means ± se over seeds (the knob's value is the parameter count).</summary>
    public IReadOnlyList<SweepSummaryRow> Summary() =>
        Rows.GroupBy(r => r.Architecture)
            .Select(g => SweepSummaryRow.Of("architecture", g.First().Parameters, g.Key, g.ToArray()))
            .OrderBy(s => s.Parameters).ThenBy(s => s.Label, StringComparer.Ordinal).ToArray();

    /// <summary><see cref="Summary"/> as a table.</summary>
    public DataFrame SummaryTable() => SweepTables.Summary(Summary());

    /// <summary>For each share g* (default ½ and 0.8): the smallest architecture whose captured gain reaches it.</summary>
    public IReadOnlyList<FrontierPoint> Frontier(IReadOnlyList<double>? shares = null)
    {
        shares ??= [0.5, 0.8];
        var summary = Summary();
        var points = new List<FrontierPoint>();
        foreach (double g in shares)
        {
            var best = summary.FirstOrDefault(s => s.Gain.Mean >= g);
            var sure = summary.FirstOrDefault(s => s.Gain.Mean - 2 * (s.Gain.StandardError ?? PerRunSe(s.Label)) >= g);
            points.Add(new FrontierPoint(g, best?.Label, best?.Parameters, best?.Gain, sure?.Label));
        }
        return points;
    }

    private double PerRunSe(string label) => Rows.Where(r => r.Architecture == label).Max(r => r.Reading.Gain().StandardError);

    /// <summary>The frontier as a table: share, smallest architecture, its parameters and G, the smallest that clears it by 2 se.</summary>
    public DataFrame FrontierTable()
    {
        var f = Frontier();
        return new DataFrame(
            new DoubleDataFrameColumn("share", f.Select(p => p.Share)),
            new StringDataFrameColumn("smallest", f.Select(p => p.Architecture ?? "none")),
            new PrimitiveDataFrameColumn<long>("parameters", f.Select(p => p.Parameters)),
            new DoubleDataFrameColumn("G", f.Select(p => p.Gain?.Mean)),
            new DoubleDataFrameColumn("G_se", f.Select(p => p.Gain?.StandardError)),
            new StringDataFrameColumn("smallest_by_2se", f.Select(p => p.Confident ?? "none")));
    }

    /// <summary>Captured gain G (mean ± se over seeds) against the parameter count (log axis), one line per kind across
    /// widths; the shares ½ and 0.8 drawn as horizontal lines.</summary>
    public Figure ToFigure()
    {
        var summary = Summary();
        var traces = new List<Trace>();
        foreach (string kind in Settings.ArchitectureKinds)
        {
            var labels = Settings.ModelWidths.Select(w => ArchitectureSweepSettings.Describe(Settings.Architecture(kind, w).Model)).ToHashSet();
            var rows = summary.Where(s => labels.Contains(s.Label)).OrderBy(s => s.Parameters).ToArray();
            if (rows.Length == 0) continue;
            traces.Add(new LineTrace($"{kind} (d = {string.Join(", ", rows.Select(r => r.Label.Split("d=")[1].Split(' ')[0]))})",
                rows.Select(r => (double)r.Parameters).ToArray(), rows.Select(r => r.Gain.Mean).ToArray(),
                rows.Select(r => r.Gain.StandardError ?? 0).ToArray(), Markers: true, Emphasis: kind == "two-layer" ? Emphasis.Strong : Emphasis.Normal));
        }
        return new Figure("The smallest in-context learner: captured gain G against parameters (mean ± se over seeds)", traces,
            new Axis("parameters", Log: true), new Axis("G = (S1 − L last)/(S1 − S last)"))
        {
            Marks = [new HorizontalLine("half the available gain", 0.5), new HorizontalLine("80% of it", 0.8), new HorizontalLine("last-token predictor (G = 0)", 0)],
        };
    }
}
