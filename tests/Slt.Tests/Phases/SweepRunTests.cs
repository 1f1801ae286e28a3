using Slt.Phases;
using Slt.Platform;
using Slt.Truth;

namespace Slt.Tests.Phases;

/// <summary>Tiny sweeps (a few training steps, few windows): the same seed trains and measures to the same numbers in a
/// fresh training cache; the tables, summaries, frontier and figures have the shape the notebook needs; a shipped sweep
/// reads back only for the same settings.</summary>
public sealed class SweepRunTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "slt-phases-tests-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static readonly DataSweepSettings TinyData = new(ZipfExponents: [0, 1], Burstiness: [0.7], TaskCounts: [64], Seeds: [1, 2],
        Steps: 8, TrainingWindows: 128, ProbeWindows: 96);

    [Fact]
    public void SameSeedSameRowInAFreshTrainingCache()
    {
        TorchRuntime.Initialize(1);
        var recipe = TinyData.Recipe(CorpusSpec.Default, 1);
        var probe = new SweepProbe(new TrueDistribution(CorpusSpec.Default), 96, 2);
        var a = SweepMeasurement.Measure(recipe, "tiny", probe, "k", useCache: false, trainingDirectory: Path.Combine(_dir, "a"));
        var b = SweepMeasurement.Measure(recipe, "tiny", probe, "k", useCache: false, trainingDirectory: Path.Combine(_dir, "b"));
        var other = SweepMeasurement.Measure(TinyData.Recipe(CorpusSpec.Default, 2), "tiny", probe, "k", useCache: false, trainingDirectory: Path.Combine(_dir, "a"));
        Assert.Equal(a.Reading.Gain().Gain, b.Reading.Gain().Gain);
        Assert.Equal(a.Reading.Kl, b.Reading.Kl);
        Assert.Equal(a.Reading.InWeightsShare, b.Reading.InWeightsShare);
        Assert.Equal(a.Parameters, b.Parameters);
        Assert.NotEqual(a.Reading.Gain().Gain, other.Reading.Gain().Gain);
        Assert.True(double.IsFinite(a.Reading.Gain().StandardError) && a.Reading.Gain().StandardError > 0);
        var bad = Assert.Throws<ArgumentException>(() => SweepMeasurement.Measure(recipe, "tiny",
            new SweepProbe(new TrueDistribution(CorpusSpec.Default with { ZipfExponent = 0 }), 96, 2), "k", useCache: false, trainingDirectory: Path.Combine(_dir, "a")));
        Assert.Equal("probe", bad.ParamName);
    }

    [Fact]
    public void DataSweepTablesSummaryFigureAndShipping()
    {
        TorchRuntime.Initialize(1);
        var sweep = DataSweep.Run(TinyData, useCache: false, trainingDirectory: Path.Combine(_dir, "trained"));
        Assert.Equal(3 * 2, sweep.Rows.Count);
        Assert.Equal(6, (int)sweep.ToDataFrame().Rows.Count);
        Assert.Equal(6 * 9, (int)sweep.GainTable().Rows.Count);
        Assert.Equal(6 * 31, (int)sweep.KlTable().Rows.Count);
        var burst = sweep.Rows.Single(r => r.Burstiness == 0.7 && r.Seed == 1);
        Assert.NotNull(burst.OwnGain);
        Assert.Null(sweep.Rows.Single(r => r.Burstiness == 1 && r.ZipfExponent == 1 && r.Seed == 1).OwnGain);
        var summary = sweep.Summary();
        // α: 0 and 1; b: 0.7 and the default corpus's 1 is not asked for; tasks: 64 (the default corpus again).
        Assert.Equal(["zipf:0", "zipf:1", "burstiness:0.7", "tasks:64"], summary.Select(s => $"{s.Knob}:{s.Value}").ToArray());
        Assert.All(summary, s => { Assert.Equal(2, s.Gain.Seeds); Assert.NotNull(s.Gain.StandardError); });
        var one = summary[1];
        var runs = sweep.Rows.Where(r => r.ZipfExponent == 1 && r.Burstiness == 1).Select(r => r.Reading.Gain().Gain).ToArray();
        Assert.Equal(runs.Average(), one.Gain.Mean, 12);
        Assert.Equal(3, sweep.ToFigure().Figures.Count);
        Assert.Equal(4, (int)sweep.SummaryTable().Rows.Count);

        string results = Path.Combine(_dir, "results");
        Assert.Null(DataSweep.ReadShipped(TinyData, results));
        string file = sweep.Ship(results);
        Assert.True(File.Exists(file));
        var back = DataSweep.ReadShipped(TinyData, results)!;
        Assert.True(back.Shipped);
        Assert.Equal(sweep.Rows.Select(r => r.Reading.Gain().Gain), back.Rows.Select(r => r.Reading.Gain().Gain));
        Assert.Equal(sweep.Rows.Select(r => r.Reading.Kl[3]), back.Rows.Select(r => r.Reading.Kl[3]));
        Assert.Null(DataSweep.ReadShipped(TinyData with { Steps = 9 }, results));
    }

    [Fact]
    public void ArchitectureSweepFrontierAndFigure()
    {
        TorchRuntime.Initialize(1);
        var settings = new ArchitectureSweepSettings(Kinds: ["attention-only", "linear"], Widths: [8], Seeds: [1, 2], Steps: 8, TrainingWindows: 128, ProbeWindows: 96);
        var sweep = ArchitectureSweep.Run(settings, useCache: false, trainingDirectory: Path.Combine(_dir, "trained"));
        Assert.Equal(4, sweep.Rows.Count);
        var summary = sweep.Summary();
        Assert.Equal(2, summary.Count);
        Assert.True(summary[0].Parameters <= summary[1].Parameters);
        Assert.Contains(summary, s => s.Label.Contains("linear", StringComparison.Ordinal));
        var frontier = sweep.Frontier([1e-9, 1.0]);
        // Eight steps do not learn to use the context: nothing reaches the whole gain.
        Assert.Null(frontier[1].Architecture);
        Assert.Equal(2, (int)sweep.FrontierTable().Rows.Count);
        Assert.Equal(2, sweep.ToFigure().Traces.Count);
        string results = Path.Combine(_dir, "results");
        sweep.Ship(results);
        Assert.Equal(4, ArchitectureSweep.ReadShipped(settings, results)!.Rows.Count);
    }
}
