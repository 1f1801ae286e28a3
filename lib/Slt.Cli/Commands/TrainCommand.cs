using System.ComponentModel;
using System.Globalization;
using Microsoft.Data.Analysis;
using Slt.Losses;
using Slt.Presentation;
using Slt.Model;
using Slt.Platform;
using Slt.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary><c>slt train --config FILE --out DIR</c>: trains the transformer and records per-length losses at checkpoints.</summary>
internal sealed class TrainCommand : Command<TrainCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--config <FILE>")]
        [Description("Training recipe (JSON: corpus, model, training), e.g. data/default.train.json.")]
        public string? Config { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("Output folder: checkpoints/step-*.ckpt, final.ckpt, run.json, losses.csv.")]
        public string? Out { get; init; }

        [CommandOption("--threads <N>")]
        [Description("Threads for libtorch (default: SLT_THREADS, else 1; small models train fastest on one thread).")]
        public int? Threads { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Config)) return ValidationResult.Error("--config FILE is required.");
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out DIR is required.");
            if (Threads is <= 0) return ValidationResult.Error($"--threads must be a positive integer, got {Threads}.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var config = TrainingRunConfig.Load(settings.Config!);
        TorchRuntime.Initialize(settings.Threads ?? (Environment.GetEnvironmentVariable("SLT_THREADS") is { Length: > 0 } ? null : 1));
        string outDir = Path.GetFullPath(settings.Out!);
        Directory.CreateDirectory(outDir);
        AnsiConsole.MarkupLine($"training [bold]{Markup.Escape(config.Corpus.Name)}[/]: {config.Model.Layers} layers, {config.Model.Heads} heads, d = {config.Model.ModelDimension}, {config.Training.Steps} steps, seed {config.Training.Seed}");

        (Transformer Model, TrainingRun Run)? result = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("training", maxValue: config.Training.Steps);
                var progress = new SynchronousProgress<TrainingProgress>(p =>
                {
                    task.Value = p.Step;
                    task.Description = $"step {p.Step}/{p.Steps}  loss {p.Loss:F4}  lr {p.LearningRate:G3}";
                });
                result = Trainer.Train(config, Path.Combine(outDir, "checkpoints"), progress, cancellationToken);
            });
        var (model, run) = result ?? throw new InvalidOperationException("Training produced no result.");
        TransformerCheckpoint.Save(Path.Combine(outDir, "final.ckpt"), model, config.Training.Steps, config.Corpus.ToJson());
        File.WriteAllText(Path.Combine(outDir, "run.json"), TrainedModelCache.ToJson(run));
        File.WriteAllText(Path.Combine(outDir, "config.json"), config.ToJson());
        WriteCsv(Path.Combine(outDir, "losses.csv"), run);

        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("step").AddColumn("L per token").AddColumn("K = Σ K^l").AddColumn("K^1").AddColumn("K^last").AddColumn("captured gain");
        foreach (var c in run.Checkpoints)
        {
            var e = c.Evaluation;
            table.AddRow(c.Step.ToString(), e.MeanCrossEntropy.ToString("F4"), e.TotalKl.ToString("F3"), e.Kl[0].ToString("F4"),
                e.LastQuarter(e.Kl).ToString("F4"), e.CapturedGainFraction.ToString("P1"));
        }
        AnsiConsole.Write(table);
        var f = run.Final;
        AnsiConsole.MarkupLine($"in-context gain: truth S^1 − S^last = {f.AvailableGain:F4}, realized S^1 − L^last = {f.RealizedGain:F4} ([bold]{f.CapturedGainFraction:P1}[/] captured); the model's own L^1 − L^last = {f.ModelGain:F4}; gradual-evidence ratio (S^C/4 − S^last)/(S^1 − S^last) = {f.GradualEvidenceRatio:F3}");
        AnsiConsole.MarkupLine($"{model.ParameterCount} parameters, {run.Seconds:F1} s, {TorchRuntime.Threads} thread(s); written to {Markup.Escape(outDir)}");
        return 0;
    }

    /// <summary>Per checkpoint and length: L^l, S^l, K^l with standard errors and L_n^l (<see cref="TableCsv"/>, the workbook's one CSV writer).</summary>
    internal static void WriteCsv(string path, TrainingRun run)
    {
        var rows = run.Checkpoints.SelectMany(c => Enumerable.Range(0, c.Evaluation.LengthCount).Select(i => (c.Step, E: c.Evaluation, i))).ToList();
        DoubleDataFrameColumn Column(string name, Func<LengthDecomposedLoss, double[]> values) =>
            new(name, rows.Select(r => values(r.E)[r.i]));
        new DataFrame(
            new Int32DataFrameColumn("step", rows.Select(r => r.Step)),
            new Int32DataFrameColumn("length", rows.Select(r => r.E.Lengths[r.i])),
            Column("L", e => e.CrossEntropy), Column("L_se", e => e.CrossEntropyStandardError),
            Column("S", e => e.Entropy), Column("S_se", e => e.EntropyStandardError),
            Column("K", e => e.Kl), Column("K_se", e => e.KlStandardError),
            Column("L_n", e => e.EmpiricalLoss)).WriteCsv(path);
    }
}

/// <summary>An <see cref="IProgress{T}"/> that reports on the caller's thread (Spectre's live display is not re-entrant).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
