using Microsoft.Data.Analysis;
using Slt.Presentation;

namespace Slt.Contexts;

/// <summary>One cell of the sweep: a fit at one checkpoint for one family's context of one length, evaluated on held-out queries.</summary>
/// <param name="Step">The training step of the mother's weights.</param>
/// <param name="Family">The family index.</param>
/// <param name="FamilyName">The family's name.</param>
/// <param name="Task">The task the context and queries come from (the family's most frequent).</param>
/// <param name="ContextLength">m.</param>
/// <param name="Subset">The parameters the fit moved.</param>
/// <param name="Evaluation">R and the KLs on the held-out queries.</param>
/// <param name="InitialLoss">The training objective at w' = w.</param>
/// <param name="FinalLoss">The training objective at the fitted w'.</param>
/// <param name="TailDrop">The share of the objective's decrease in the fit's last tenth of steps (≈ 0: flat at the end).</param>
/// <param name="Seconds">Wall-clock seconds of the fit and its evaluation.</param>
public sealed record ContextFitRow(
    int Step, int Family, string FamilyName, int Task, int ContextLength, string Subset, ContextFitEvaluation Evaluation,
    double InitialLoss, double FinalLoss, double TailDrop, double Seconds);

/// <summary>
/// The fitted context map's sweep: R per family, context length and checkpoint, with the KL of mother and fitted
/// daughter to the exact truth.
/// </summary>
/// <param name="Settings">What was swept.</param>
/// <param name="Rows">One row per (checkpoint, family, length), checkpoints in training order.</param>
/// <param name="Seconds">Wall-clock seconds of the sweep (0 work when served from the cache).</param>
/// <param name="CpuSeconds">Process CPU seconds spent by the sweep.</param>
/// <param name="Workers">Fits run at once.</param>
/// <param name="FromCache">Whether this result was read from the cache rather than computed now.</param>
public sealed record ContextFitSweepResult(
    ContextFitSweepSettings Settings, IReadOnlyList<ContextFitRow> Rows, double Seconds, double CpuSeconds, int Workers, bool FromCache)
{
    /// <summary>Whether this result was read from the shipped results (<c>data/results</c>) rather than measured.</summary>
    public bool Shipped { get; init; }

    /// <summary>The checkpoints' steps, in order.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int[] Steps => Rows.Select(r => r.Step).Distinct().Order().ToArray();

    /// <summary>The rows of the last checkpoint.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<ContextFitRow> Final => Rows.Where(r => r.Step == Steps[^1]).ToArray();

    /// <summary>Every row: step, family, task, m, subset, R ± se, the KLs ± se, the fit's losses and its tail drop.</summary>
    public DataFrame ToDataFrame() => Table(Rows);

    /// <summary>The last checkpoint's rows (R per family and context length).</summary>
    public DataFrame FinalTable() => Table(Final);

    private static DataFrame Table(IReadOnlyList<ContextFitRow> rows)
    {
        DoubleDataFrameColumn D(string name, Func<ContextFitRow, double> f) => new(name, rows.Select(f));
        return new DataFrame(
            new PrimitiveDataFrameColumn<int>("step", rows.Select(r => r.Step)),
            new StringDataFrameColumn("family", rows.Select(r => r.FamilyName)),
            new PrimitiveDataFrameColumn<int>("task", rows.Select(r => r.Task)),
            new PrimitiveDataFrameColumn<int>("m", rows.Select(r => r.ContextLength)),
            new StringDataFrameColumn("subset", rows.Select(r => r.Subset)),
            D("R", r => r.Evaluation.R), D("R_se", r => r.Evaluation.RSe),
            D("kl_fit", r => r.Evaluation.KlFit), D("kl_fit_se", r => r.Evaluation.KlFitSe),
            D("kl_no_change", r => r.Evaluation.KlNoChange), D("kl_no_change_se", r => r.Evaluation.KlNoChangeSe),
            D("kl_truth_mother", r => r.Evaluation.MotherTruthKl), D("kl_truth_mother_se", r => r.Evaluation.MotherTruthKlSe),
            D("kl_truth_daughter", r => r.Evaluation.DaughterTruthKl), D("kl_truth_daughter_se", r => r.Evaluation.DaughterTruthKlSe),
            D("kl_truth_zero_shot", r => r.Evaluation.ZeroShotTruthKl), D("kl_truth_zero_shot_se", r => r.Evaluation.ZeroShotTruthKlSe),
            D("fit_loss_start", r => r.InitialLoss), D("fit_loss_end", r => r.FinalLoss), D("fit_tail_drop", r => r.TailDrop));
    }

    /// <summary>R against the training step (log axes, step 0 left out), one line per family and context length, ± one se.</summary>
    public Figure ToFigure()
    {
        var traces = new List<Trace>();
        foreach (var g in Rows.Where(r => r.Step > 0).GroupBy(r => (r.FamilyName, r.ContextLength)).OrderBy(g => g.Key.FamilyName).ThenBy(g => g.Key.ContextLength))
        {
            var rows = g.OrderBy(r => r.Step).ToArray();
            traces.Add(new LineTrace($"{g.Key.FamilyName}, m = {g.Key.ContextLength}", rows.Select(r => (double)r.Step).ToArray(),
                rows.Select(r => r.Evaluation.R).ToArray(), rows.Select(r => r.Evaluation.RSe).ToArray(), Markers: true));
        }
        return new Figure($"Residual ratio R of the fitted context map ({Settings.Subset}) over training", traces,
            new Axis("training step", Log: true), new Axis("residual ratio R", Log: true));
    }

    /// <summary>At the last checkpoint: R against the context length m, one line per family, ± one se.</summary>
    public Figure FinalFigure()
    {
        var traces = new List<Trace>();
        foreach (var g in Final.GroupBy(r => r.FamilyName).OrderBy(g => g.Key))
        {
            var rows = g.OrderBy(r => r.ContextLength).ToArray();
            traces.Add(new LineTrace(g.Key, rows.Select(r => (double)r.ContextLength).ToArray(), rows.Select(r => r.Evaluation.R).ToArray(),
                rows.Select(r => r.Evaluation.RSe).ToArray(), Markers: true));
        }
        return new Figure($"R by context length at step {Steps[^1]} ({Settings.Subset})", traces, new Axis("context length m", Log: true), new Axis("R", Log: true));
    }
}

/// <summary>
/// Fitted context maps over different parameter subsets at the same (final) weights: R per subset, family and length.
/// A subset with R near 0 can carry what the context does on its own; R near 1 says it cannot.
/// </summary>
/// <param name="Sweeps">One final-checkpoint sweep per subset.</param>
public sealed record SubsetComparison(IReadOnlyList<ContextFitSweepResult> Sweeps)
{
    /// <summary>One row per (subset, family, m): R ± se, the KL of the daughter to the truth, the fit's settings.</summary>
    public DataFrame ToDataFrame()
    {
        var rows = Sweeps.SelectMany(s => s.Final.Select(r => (Sweep: s, Row: r))).ToArray();
        return new DataFrame(
            new StringDataFrameColumn("subset", rows.Select(r => r.Row.Subset)),
            new StringDataFrameColumn("family", rows.Select(r => r.Row.FamilyName)),
            new PrimitiveDataFrameColumn<int>("m", rows.Select(r => r.Row.ContextLength)),
            new DoubleDataFrameColumn("R", rows.Select(r => r.Row.Evaluation.R)),
            new DoubleDataFrameColumn("R_se", rows.Select(r => r.Row.Evaluation.RSe)),
            new DoubleDataFrameColumn("kl_truth_daughter", rows.Select(r => r.Row.Evaluation.DaughterTruthKl)),
            new DoubleDataFrameColumn("kl_truth_mother", rows.Select(r => r.Row.Evaluation.MotherTruthKl)),
            new PrimitiveDataFrameColumn<int>("steps", rows.Select(r => r.Sweep.Settings.FitSettings.Steps)),
            new DoubleDataFrameColumn("lr", rows.Select(r => r.Sweep.Settings.FitSettings.LearningRate)));
    }

    /// <summary>R against the context length, one line per subset and family (log R axis).</summary>
    public Figure ToFigure()
    {
        var traces = new List<Trace>();
        foreach (var sweep in Sweeps)
            foreach (var g in sweep.Final.GroupBy(r => r.FamilyName).OrderBy(g => g.Key))
            {
                var rows = g.OrderBy(r => r.ContextLength).ToArray();
                traces.Add(new LineTrace($"{sweep.Settings.Subset}, {g.Key}", rows.Select(r => (double)r.ContextLength).ToArray(),
                    rows.Select(r => r.Evaluation.R).ToArray(), rows.Select(r => r.Evaluation.RSe).ToArray(), Markers: true));
            }
        return new Figure("R of the fitted context map by parameter subset (final weights)", traces,
            new Axis("context length m", Log: true), new Axis("R", Log: true));
    }
}
