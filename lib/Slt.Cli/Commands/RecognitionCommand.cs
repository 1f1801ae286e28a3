using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Slt.Platform;
using Slt.Training;
using Slt.Transitions;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary>
/// <c>slt recognition [--windows N] [--seed S] [--no-residual] [--no-cache] [--json] [--csv FILE]</c>: type A
/// transitions of the default run: the captured in-context gain per family and frequency class over training, R of the
/// fitted context map, and their onsets (docs/recognition.md).
/// </summary>
internal sealed class RecognitionCommand : Command<RecognitionCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--windows <N>")]
        [Description("Evaluation windows (default 4096), at least 64.")]
        public int Windows { get; init; } = ContextRecognitionSettings.Default.Windows;

        [CommandOption("--seed <SEED>")]
        [Description("Seed of the evaluation sample (default 2).")]
        public long Seed { get; init; } = ContextRecognitionSettings.Default.Seed;

        [CommandOption("--no-residual")]
        [Description("Leave out the fitted context map's sweep (R over training).")]
        public bool NoResidual { get; init; }

        [CommandOption("--no-cache")]
        [Description("Neither read nor write the caches (SLT_CACHE/transitions, SLT_CACHE/contexts).")]
        public bool NoCache { get; init; }

        [CommandOption("--json")]
        [Description("Print JSON instead of tables.")]
        public bool Json { get; init; }

        [CommandOption("--csv <FILE>")]
        [Description("Also write the per-step table (step, family, class, G ± se, R and E per m on head rows) as CSV.")]
        public string? Csv { get; init; }

        public override ValidationResult Validate()
        {
            if (Windows < 64) return ValidationResult.Error($"--windows must be at least 64, got {Windows}.");
            if (Csv is not null && string.IsNullOrWhiteSpace(Csv)) return ValidationResult.Error("--csv needs a file name.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        TorchRuntime.Initialize(Environment.GetEnvironmentVariable("SLT_THREADS") is { Length: > 0 } ? null : 1);
        var options = ContextRecognitionSettings.Default with { Windows = settings.Windows, Seed = settings.Seed, IncludeResidual = !settings.NoResidual };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var progress = settings.Json ? null : new Progress.InlineText(line => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]"));
        var result = ContextRecognition.ForTrainingRun(TrainingRunConfig.Default, options, useCache: !settings.NoCache, progress: progress);
        double seconds = clock.Elapsed.TotalSeconds;
        var onsets = result.Onsets();
        if (settings.Csv is not null)
            Microsoft.Data.Analysis.DataFrame.SaveCsv(result.ToDataFrame(), settings.Csv, cultureInfo: CultureInfo.InvariantCulture);
        if (settings.Json)
        {
            var doc = new JsonObject
            {
                ["windows"] = options.Windows, ["seed"] = options.Seed, ["head_share"] = options.HeadShare,
                ["task_switch_share"] = result.TaskSwitchShare, ["gain_seconds_computed"] = result.Seconds,
                ["seconds_this_call"] = seconds, ["from_cache"] = result.FromCache,
                ["classes"] = new JsonArray(result.Classes.Select(c => (JsonNode?)new JsonObject
                {
                    ["family"] = c.FamilyName, ["class"] = c.Name, ["tasks"] = new JsonArray(c.Tasks.Select(t => (JsonNode?)t).ToArray()), ["prior_share"] = c.PriorShare,
                }).ToArray()),
                ["gains"] = new JsonArray(result.Rows.Select(r => (JsonNode?)new JsonObject
                {
                    ["step"] = r.Step, ["family"] = r.FamilyName, ["class"] = r.Class, ["windows"] = r.Gain.Windows,
                    ["gain"] = r.Gain.Gain, ["gain_se"] = r.Gain.StandardError, ["available"] = r.Gain.AvailableGain,
                }).ToArray()),
                ["residuals"] = new JsonArray(result.Residuals.Select(r => (JsonNode?)new JsonObject
                {
                    ["step"] = r.Step, ["family"] = r.FamilyName, ["task"] = r.Task, ["m"] = r.ContextLength,
                    ["R"] = r.R, ["R_se"] = r.RSe, ["effect"] = r.Effect, ["effect_se"] = r.EffectSe,
                }).ToArray()),
                ["onsets"] = new JsonArray(onsets.Select(o => (JsonNode?)new JsonObject
                {
                    ["family"] = o.FamilyName, ["class"] = o.Class, ["measure"] = o.Measure, ["criterion"] = o.Criterion,
                    ["onset"] = o.Onset.ToString(), ["after"] = o.Onset.After, ["at"] = o.Onset.At, ["sustained"] = o.Onset.Sustained,
                }).ToArray()),
            };
            Console.WriteLine(doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        AnsiConsole.MarkupLine(Markup.Escape($"Captured in-context gain G ± se per family and class ({options.Windows} windows, seed {options.Seed}; " +
            $"{result.TaskSwitchShare:P1} of windows change task); gains computed in {result.Seconds:F1} s{(result.FromCache ? " (from the cache)" : "")}, this call {seconds:F1} s"));
        foreach (var c in result.Classes)
            AnsiConsole.MarkupLine(Markup.Escape($"  {c.FamilyName} {c.Name}: {c.Tasks.Length} tasks, {c.PriorShare:P1} of the family's prior"));
        var keys = result.Rows.Select(r => (r.FamilyName, r.Class)).Distinct().ToArray();
        var table = new Table().Border(TableBorder.Rounded).AddColumn("step");
        foreach (var k in keys) table.AddColumn($"{k.FamilyName} {k.Class}");
        foreach (int s in result.Steps)
            table.AddRow([s.ToString(CultureInfo.InvariantCulture), .. keys.Select(k => result.Rows.First(r => r.Step == s && r.FamilyName == k.FamilyName && r.Class == k.Class))
                .Select(r => $"{r.Gain.Gain:F3} ± {r.Gain.StandardError:F3}")]);
        AnsiConsole.Write(table);
        var onsetTable = new Table().Border(TableBorder.Rounded).AddColumns("family", "class", "measure", "criterion", "onset", "sustained");
        foreach (var o in onsets)
            onsetTable.AddRow(Markup.Escape(o.FamilyName), Markup.Escape(o.Class), Markup.Escape(o.Measure), Markup.Escape(o.Criterion), Markup.Escape(o.Onset.ToString()), o.Onset.Sustained ? "yes" : "no");
        AnsiConsole.Write(onsetTable);
        return 0;
    }
}
