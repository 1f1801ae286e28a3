using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using Slt.Contexts;
using Slt.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary>
/// <c>slt contexts fit [--config FILE | --checkpoint FILE] [--subset full] [--lengths …] [--final-only] [--degeneracy] [--json]</c>:
/// the fitted, query-independent context map of the softmax transformer; R = KL(mother ‖ fitted daughter) /
/// KL(mother ‖ no change) on held-out queries per family and context length, at every checkpoint of the training run
/// (or the final one), and the KL of mother and daughter to the exact truth. With <c>--degeneracy</c>, also which
/// blocks the fitted updates move and their effective rank across contexts.
/// </summary>
internal sealed class ContextsFitCommand : Command<ContextsFitCommand.Settings>
{
    public sealed class Settings : ContextsSettings
    {
        [CommandOption("--subset <NAMES>")]
        [Description("Parameters the fit may move: an alias (full, last-mlp, last-attention, mlp-i, attention-i, block-i, unembedding, embedding, final-norm), parameter names or dotted prefixes, comma-separated. Default full.")]
        public string Subset { get; init; } = "full";

        [CommandOption("--train-queries <N>")]
        [Description("Training queries per context (default 64).")]
        public int TrainQueries { get; init; } = 64;

        [CommandOption("--test-queries <N>")]
        [Description("Held-out queries per context for R (default 64), at least 2.")]
        public int TestQueries { get; init; } = 64;

        [CommandOption("--steps <N>")]
        [Description("Adam steps of each fit (default 100).")]
        public int Steps { get; init; } = ContextFitSweepSettings.DefaultFit.Steps;

        [CommandOption("--lr <ETA>")]
        [Description("Initial learning rate of each fit, decayed by a cosine to a tenth (default 1e-3 for --subset full, 1e-2 for any other subset).")]
        public double? LearningRate { get; init; }

        [CommandOption("--final-only")]
        [Description("Only the final weights, not every checkpoint of the training run (implied by --checkpoint).")]
        public bool FinalOnly { get; init; }

        [CommandOption("--workers <N>")]
        [Description("Fits run at once (default: processors / libtorch threads).")]
        public int? Workers { get; init; }

        [CommandOption("--ship")]
        [Description("Recompute the sweep and write it to data/results with the final model's fingerprint, where notebook 03 reads it (no cache read or written).")]
        public bool Ship { get; init; }

        [CommandOption("--no-cache")]
        [Description("Neither read nor write the sweep cache (SLT_CACHE/contexts).")]
        public bool NoCache { get; init; }

        [CommandOption("--degeneracy")]
        [Description("Also fit several contexts per family at the final weights: per-block shares of w' − w and the effective rank of the stacked updates.")]
        public bool Degeneracy { get; init; }

        [CommandOption("--contexts-per-family <J>")]
        [Description("--degeneracy: contexts per family, one from each of the J most frequent tasks (default 4); each is also refitted on independent queries.")]
        public int ContextsPerFamily { get; init; } = 4;

        [CommandOption("--degeneracy-length <M>")]
        [Description("--degeneracy: the context length m (default 8).")]
        public int DegeneracyLength { get; init; } = 8;

        public override ValidationResult Validate()
        {
            if (TrainQueries < 1) return ValidationResult.Error($"--train-queries must be at least 1, got {TrainQueries}.");
            if (TestQueries < 2) return ValidationResult.Error($"--test-queries must be at least 2, got {TestQueries}.");
            if (Steps < 1) return ValidationResult.Error($"--steps must be at least 1, got {Steps}.");
            if (LearningRate is { } lr && !(lr > 0 && lr <= 1)) return ValidationResult.Error($"--lr must be in (0, 1], got {LearningRate}.");
            if (Workers is < 1) return ValidationResult.Error($"--workers must be at least 1, got {Workers}.");
            if (ContextsPerFamily < 2) return ValidationResult.Error($"--contexts-per-family must be at least 2, got {ContextsPerFamily}.");
            if (DegeneracyLength < 1) return ValidationResult.Error($"--degeneracy-length must be at least 1, got {DegeneracyLength}.");
            if (string.IsNullOrWhiteSpace(Subset)) return ValidationResult.Error("--subset must name parameters, e.g. full or last-mlp.");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var defaults = ContextFitSweepSettings.ForSubset(settings.Subset);
        var sweepSettings = defaults with
        {
            ContextLengths = settings.ParseLengths(), QueryLength = settings.QueryLength ?? defaults.QueryLength,
            TrainQueries = settings.TrainQueries, TestQueries = settings.TestQueries, Seed = settings.Seed,
            Fit = defaults.FitSettings with { Steps = settings.Steps, LearningRate = settings.LearningRate ?? defaults.FitSettings.LearningRate },
        };
        var progress = settings.Json ? null : new Progress.InlineText(line => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]"));
        ContextFitSweepResult result;
        DegeneracyResult? degeneracy = null;
        string description;
        if (settings.Checkpoint is not null)
        {
            var source = ContextsSource.Resolve(settings);
            using var model = source.Model;
            description = source.Description;
            result = ContextFitSweep.Run(source.Truth, [((int)source.Step, model)], sweepSettings, settings.Workers, progress);
            if (settings.Degeneracy) degeneracy = FittedMapDegeneracy.Measure(model, source.Truth, DegeneracySettingsOf(settings, sweepSettings), settings.Workers);
        }
        else
        {
            Slt.Platform.TorchRuntime.Initialize(settings.Threads ?? (Environment.GetEnvironmentVariable("SLT_THREADS") is { Length: > 0 } ? null : 1));
            var recipe = settings.Config is null ? TrainingRunConfig.Default : TrainingRunConfig.Load(settings.Config);
            description = settings.Config is null ? "default recipe" : Path.GetFullPath(settings.Config);
            result = ContextFitSweep.ForTrainingRun(recipe, sweepSettings, settings.FinalOnly, useCache: !settings.NoCache, workers: settings.Workers, progress: progress, ship: settings.Ship);
            if (settings.Degeneracy)
                degeneracy = FittedMapDegeneracy.ForTrainingRun(recipe, DegeneracySettingsOf(settings, sweepSettings), workers: settings.Workers, useCache: !settings.NoCache);
        }

        if (settings.Json)
        {
            var doc = new JsonObject
            {
                ["model"] = description,
                ["subset"] = settings.Subset,
                ["settings"] = new JsonObject
                {
                    ["lengths"] = new JsonArray(sweepSettings.Lengths.Select(m => (JsonNode)m).ToArray()),
                    ["query_length"] = sweepSettings.QueryLength, ["train_queries"] = sweepSettings.TrainQueries, ["test_queries"] = sweepSettings.TestQueries,
                    ["steps"] = sweepSettings.FitSettings.Steps, ["lr"] = sweepSettings.FitSettings.LearningRate,
                    ["final_lr_fraction"] = sweepSettings.FitSettings.FinalLearningRateFraction, ["seed"] = sweepSettings.Seed,
                    ["predictions"] = "after every position of each query",
                },
                ["seconds"] = result.Seconds, ["cpu_seconds"] = result.CpuSeconds, ["workers"] = result.Workers, ["from_cache"] = result.FromCache,
                ["steps"] = new JsonArray(result.Steps.Select(s => (JsonNode)s).ToArray()),
                ["final"] = Cells(result.Final),
                ["checkpoints"] = new JsonArray(result.Steps.Select(s => (JsonNode)new JsonObject
                {
                    ["step"] = s, ["cells"] = Cells(result.Rows.Where(r => r.Step == s).ToArray()),
                }).ToArray()),
            };
            if (degeneracy is not null) doc["degeneracy"] = DegeneracyJson(degeneracy);
            Console.Out.WriteLine(doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
            return 0;
        }

        var final = new Table().Border(TableBorder.Rounded).AddColumns("family", "task", "m", "R", "± se", "KL(q‖mother)", "KL(q‖daughter)", "KL(q‖no context)", "fit tail drop");
        foreach (var r in result.Final)
            final.AddRow(r.FamilyName, r.Task.ToString(), r.ContextLength.ToString(), r.Evaluation.R.ToString("F4"), r.Evaluation.RSe.ToString("F4"),
                r.Evaluation.MotherTruthKl.ToString("F4"), r.Evaluation.DaughterTruthKl.ToString("F4"), r.Evaluation.ZeroShotTruthKl.ToString("F4"), r.TailDrop.ToString("F4"));
        AnsiConsole.MarkupLine($"[bold]Fitted context map[/] ({Markup.Escape(settings.Subset)}) at step {result.Steps[^1]} of {Markup.Escape(description)}:");
        AnsiConsole.Write(final);
        if (result.Steps.Length > 1)
        {
            var cells = result.Final.Select(r => (r.FamilyName, r.ContextLength)).ToArray();
            var overTraining = new Table().Border(TableBorder.Rounded).AddColumn("step");
            foreach (var (f, m) in cells) overTraining.AddColumn($"{f} m={m}");
            foreach (int s in result.Steps)
                overTraining.AddRow([s.ToString(), .. cells.Select(c => result.Rows.First(r => r.Step == s && r.FamilyName == c.FamilyName && r.ContextLength == c.ContextLength).Evaluation.R.ToString("F3"))]);
            AnsiConsole.MarkupLine("R over training:");
            AnsiConsole.Write(overTraining);
        }
        AnsiConsole.MarkupLine($"{(result.FromCache ? "from the sweep cache" : $"{result.Seconds:F1} s wall, {result.CpuSeconds:F1} s CPU on {result.Workers} worker(s)")}.");
        if (degeneracy is not null)
        {
            var spectra = new Table().Border(TableBorder.Rounded).AddColumns("contexts of", "J", "99% rank", "entropy rank", "frozen", "cos(C, C')", "cos(refit)", "σ_i / σ₁");
            foreach (var s in degeneracy.Spectra)
                spectra.AddRow(s.Label, s.Contexts.ToString(), s.Rank99.ToString(), s.EntropyRank.ToString("F2"), s.FrozenCoordinates.ToString(),
                    s.MeanCosine.ToString("F2"), s.MeanReplicateCosine.ToString("F2"), string.Join(" ", s.SingularValues.Select(x => (x / s.SingularValues[0]).ToString("F2"))));
            AnsiConsole.MarkupLine($"Degeneracy of the fitted map at the final weights (m = {settings.DegeneracyLength}, P = {degeneracy.Dimension}, coordinates no context moved: {degeneracy.FrozenCoordinates}):");
            AnsiConsole.Write(spectra);
        }
        return 0;
    }

    private static DegeneracySettings DegeneracySettingsOf(Settings settings, ContextFitSweepSettings sweep) =>
        new(settings.ContextsPerFamily, settings.DegeneracyLength, sweep.QueryLength, settings.TrainQueries, settings.Subset, sweep.FitSettings, settings.Seed);

    private static JsonArray Cells(IReadOnlyList<ContextFitRow> rows) => new(rows.Select(r => (JsonNode)new JsonObject
    {
        ["family"] = r.FamilyName, ["task"] = r.Task, ["m"] = r.ContextLength,
        ["R"] = r.Evaluation.R, ["R_se"] = r.Evaluation.RSe,
        ["kl_fit"] = r.Evaluation.KlFit, ["kl_fit_se"] = r.Evaluation.KlFitSe,
        ["kl_no_change"] = r.Evaluation.KlNoChange, ["kl_no_change_se"] = r.Evaluation.KlNoChangeSe,
        ["kl_truth_mother"] = r.Evaluation.MotherTruthKl, ["kl_truth_mother_se"] = r.Evaluation.MotherTruthKlSe,
        ["kl_truth_daughter"] = r.Evaluation.DaughterTruthKl, ["kl_truth_daughter_se"] = r.Evaluation.DaughterTruthKlSe,
        ["kl_truth_zero_shot"] = r.Evaluation.ZeroShotTruthKl, ["kl_truth_zero_shot_se"] = r.Evaluation.ZeroShotTruthKlSe,
        ["fit_loss_start"] = r.InitialLoss, ["fit_loss_end"] = r.FinalLoss, ["fit_tail_drop"] = r.TailDrop,
    }).ToArray());

    private static JsonObject DegeneracyJson(DegeneracyResult d)
    {
        var blocks = d.BlockTable();
        var blockArray = new JsonArray();
        for (long i = 0; i < blocks.Rows.Count; i++)
            blockArray.Add(new JsonObject
            {
                ["family"] = (string)blocks["family"][i], ["block"] = (string)blocks["block"][i], ["entries"] = (long)blocks["entries"][i],
                ["share"] = (double)blocks["share"][i], ["enrichment"] = (double)blocks["enrichment"][i], ["relative_update"] = (double)blocks["relative_update"][i], ["exactly_zero"] = (bool)blocks["exactly_zero"][i],
            });
        return new JsonObject
        {
            ["context_length"] = d.Settings.ContextLength, ["contexts_per_family"] = d.Settings.ContextsPerFamily,
            ["dimension"] = d.Dimension, ["frozen_coordinates"] = d.FrozenCoordinates,
            ["contexts"] = new JsonArray(d.Contexts.Select(c => (JsonNode)c).ToArray()),
            ["spectra"] = new JsonArray(d.Spectra.Select(s => (JsonNode)new JsonObject
            {
                ["contexts_of"] = s.Label, ["J"] = s.Contexts, ["rank_99"] = s.Rank99, ["entropy_rank"] = s.EntropyRank,
                ["frozen_coordinates"] = s.FrozenCoordinates, ["mean_cosine"] = s.MeanCosine, ["mean_replicate_cosine"] = s.MeanReplicateCosine,
                ["singular_values"] = new JsonArray(s.SingularValues.Select(x => (JsonNode)x).ToArray()),
            }).ToArray()),
            ["blocks"] = blockArray,
        };
    }
}
