using Microsoft.Data.Analysis;
using Slt.Presentation;

namespace Slt.Phases;

/// <summary>The tables and the summary chart the two sweeps share.</summary>
public static class SweepTables
{
    /// <summary>One row per run: corpus knobs, architecture, parameters, seed, G ± se (all, head, tail windows), G on the
    /// corpus's own windows, K, K^1, K^last, the in-weights loss W ± se and share, the final loss, training seconds.</summary>
    public static DataFrame Runs(IReadOnlyList<SweepMeasurement> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        CapturedGainOf(rows, "all", out var g, out var gse);
        CapturedGainOf(rows, "head", out var gh, out var ghse);
        CapturedGainOf(rows, "tail", out var gt, out var gtse);
        return new DataFrame(
            new StringDataFrameColumn("corpus", rows.Select(r => r.Corpus)),
            new DoubleDataFrameColumn("zipf", rows.Select(r => r.ZipfExponent)),
            new DoubleDataFrameColumn("burstiness", rows.Select(r => r.Burstiness)),
            new PrimitiveDataFrameColumn<int>("tasks", rows.Select(r => r.TasksPerFamily)),
            new StringDataFrameColumn("architecture", rows.Select(r => r.Architecture)),
            new PrimitiveDataFrameColumn<long>("parameters", rows.Select(r => r.Parameters)),
            new PrimitiveDataFrameColumn<long>("seed", rows.Select(r => r.Seed)),
            new DoubleDataFrameColumn("G", g), new DoubleDataFrameColumn("G_se", gse),
            new DoubleDataFrameColumn("G_head", gh), new DoubleDataFrameColumn("G_head_se", ghse),
            new DoubleDataFrameColumn("G_tail", gt), new DoubleDataFrameColumn("G_tail_se", gtse),
            new DoubleDataFrameColumn("G_own", rows.Select(r => r.OwnGain?.Gain)),
            new DoubleDataFrameColumn("G_own_se", rows.Select(r => r.OwnGain?.StandardError)),
            new DoubleDataFrameColumn("K_total", rows.Select(r => r.Reading.TotalKl)),
            new DoubleDataFrameColumn("K_1", rows.Select(r => r.Reading.Kl[0])),
            new DoubleDataFrameColumn("K_last", rows.Select(r => r.Reading.Kl[^1])),
            new DoubleDataFrameColumn("W_head", rows.Select(r => r.Reading.HeadKlAtOne)),
            new DoubleDataFrameColumn("W_head_se", rows.Select(r => r.Reading.HeadKlAtOneSe)),
            new DoubleDataFrameColumn("W_untrained", rows.Select(r => r.Reading.UntrainedHeadKlAtOne)),
            new DoubleDataFrameColumn("in_weights_share", rows.Select(r => r.Reading.InWeightsShare)),
            new DoubleDataFrameColumn("final_loss", rows.Select(r => r.FinalLoss)),
            new DoubleDataFrameColumn("training_seconds", rows.Select(r => r.TrainingSeconds)));
    }

    private static void CapturedGainOf(IReadOnlyList<SweepMeasurement> rows, string cls, out double[] gain, out double[] se)
    {
        gain = rows.Select(r => r.Reading.Gain("all", cls).Gain).ToArray();
        se = rows.Select(r => r.Reading.Gain("all", cls).StandardError).ToArray();
    }

    /// <summary>One row per run, family ("all" for both) and class ("all", "head", "tail"): windows, G ± se, available and
    /// realized gain (nats).</summary>
    public static DataFrame Gains(IReadOnlyList<SweepMeasurement> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var cells = rows.SelectMany(r => r.Reading.Cells.Select(c => (Run: r, Cell: c))).ToArray();
        return new DataFrame(
            new StringDataFrameColumn("corpus", cells.Select(x => x.Run.Corpus)),
            new StringDataFrameColumn("architecture", cells.Select(x => x.Run.Architecture)),
            new PrimitiveDataFrameColumn<long>("seed", cells.Select(x => x.Run.Seed)),
            new StringDataFrameColumn("family", cells.Select(x => x.Cell.Family)),
            new StringDataFrameColumn("class", cells.Select(x => x.Cell.Class)),
            new PrimitiveDataFrameColumn<int>("windows", cells.Select(x => x.Cell.Gain.Windows)),
            new DoubleDataFrameColumn("G", cells.Select(x => x.Cell.Gain.Gain)),
            new DoubleDataFrameColumn("G_se", cells.Select(x => x.Cell.Gain.StandardError)),
            new DoubleDataFrameColumn("available", cells.Select(x => x.Cell.Gain.AvailableGain)),
            new DoubleDataFrameColumn("realized", cells.Select(x => x.Cell.Gain.RealizedGain)));
    }

    /// <summary>One row per run and input length l: K^l ± se (nats).</summary>
    public static DataFrame KlByLength(IReadOnlyList<SweepMeasurement> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var cells = rows.SelectMany(r => r.Reading.Kl.Select((k, i) => (Run: r, Length: i + 1, K: k, Se: r.Reading.KlStandardError[i]))).ToArray();
        return new DataFrame(
            new StringDataFrameColumn("corpus", cells.Select(x => x.Run.Corpus)),
            new StringDataFrameColumn("architecture", cells.Select(x => x.Run.Architecture)),
            new PrimitiveDataFrameColumn<long>("seed", cells.Select(x => x.Run.Seed)),
            new PrimitiveDataFrameColumn<int>("length", cells.Select(x => x.Length)),
            new DoubleDataFrameColumn("K", cells.Select(x => x.K)),
            new DoubleDataFrameColumn("K_se", cells.Select(x => x.Se)));
    }

    /// <summary>Summary rows as a table: knob, value, label, parameters, seeds, then each quantity's mean and se over seeds.</summary>
    public static DataFrame Summary(IReadOnlyList<SweepSummaryRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var columns = new List<DataFrameColumn>
        {
            new StringDataFrameColumn("knob", rows.Select(r => r.Knob)),
            new DoubleDataFrameColumn("value", rows.Select(r => r.Value)),
            new StringDataFrameColumn("label", rows.Select(r => r.Label)),
            new PrimitiveDataFrameColumn<long>("parameters", rows.Select(r => r.Parameters)),
            new PrimitiveDataFrameColumn<int>("seeds", rows.Select(r => r.Gain.Seeds)),
        };
        void Add(string name, Func<SweepSummaryRow, OverSeeds?> f)
        {
            columns.Add(new DoubleDataFrameColumn(name, rows.Select(r => f(r)?.Mean)));
            columns.Add(new DoubleDataFrameColumn(name + "_se", rows.Select(r => f(r)?.StandardError)));
        }
        Add("G", r => r.Gain);
        Add("G_head", r => r.HeadGain);
        Add("G_tail", r => r.TailGain);
        Add("G_own", r => r.OwnGain);
        Add("in_weights_share", r => r.InWeightsShare);
        Add("W_head", r => r.HeadKlAtOne);
        Add("K_total", r => r.TotalKl);
        return new DataFrame(columns);
    }

    /// <summary>G (all, head, tail) and the in-weights share against a knob, means ± se over seeds as error bars.</summary>
    public static Figure SummaryFigure(string title, IReadOnlyList<SweepSummaryRow> rows, Axis x)
    {
        ArgumentNullException.ThrowIfNull(rows);
        double[] xs = rows.Select(r => r.Value).ToArray();
        LineTrace Line(string name, Func<SweepSummaryRow, OverSeeds> f, bool dashed = false, Emphasis emphasis = Emphasis.Normal) =>
            new(name, xs, rows.Select(r => f(r).Mean).ToArray(), rows.Select(r => f(r).StandardError ?? 0).ToArray(), Markers: true, Dashed: dashed, Emphasis: emphasis);
        return new Figure(title,
            [Line("G, all windows", r => r.Gain, emphasis: Emphasis.Strong), Line("G, head tasks", r => r.HeadGain), Line("G, tail tasks", r => r.TailGain, dashed: true),
             Line("in-weights share 1 − W/W_untrained", r => r.InWeightsShare, dashed: true)],
            x, new Axis("share"))
        {
            Marks = [new HorizontalLine("G = 0 (last-token predictor)", 0)],
        };
    }
}
