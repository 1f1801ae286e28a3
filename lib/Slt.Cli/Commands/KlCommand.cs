using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using Slt.Losses;
using Slt.Model;
using Slt.Platform;
using Slt.Truth;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary><c>slt kl --checkpoint FILE [--corpus SPEC] --json</c>: L^l, S^l, K^l with standard errors, and the totals.</summary>
internal sealed class KlCommand : Command<KlCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--checkpoint <FILE>")]
        [Description("A checkpoint written by slt train.")]
        public string? Checkpoint { get; init; }

        [CommandOption("--corpus <SPEC>")]
        [Description("Corpus spec JSON (default: the spec stored in the checkpoint).")]
        public string? Corpus { get; init; }

        [CommandOption("--windows <N>")]
        [Description("Windows drawn from the truth to estimate the per-length expectations (default 1024).")]
        public int Windows { get; init; } = 1024;

        [CommandOption("--seed <S>")]
        [Description("Seed of the evaluation windows (default 12345).")]
        public long Seed { get; init; } = 12345;

        [CommandOption("--json")]
        [Description("Print JSON instead of a table.")]
        public bool Json { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Checkpoint)) return ValidationResult.Error("--checkpoint FILE is required.");
            if (Windows < 2) return ValidationResult.Error($"--windows must be at least 2, got {Windows}.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        TorchRuntime.Initialize(Environment.GetEnvironmentVariable("SLT_THREADS") is { Length: > 0 } ? null : 1);
        var (model, header) = TransformerCheckpoint.Load(settings.Checkpoint!);
        CorpusSpec spec = settings.Corpus is not null ? CorpusSpec.Load(settings.Corpus)
            : header.CorpusSpecJson is not null ? CorpusSpec.FromJson(header.CorpusSpecJson, $"the corpus stored in '{settings.Checkpoint}'")
            : throw new ArgumentException($"Checkpoint '{settings.Checkpoint}' stores no corpus spec; pass --corpus SPEC.");
        var truth = new TrueDistribution(spec);
        if (truth.Vocabulary.Count != model.Config.VocabularySize || spec.ContextLength != model.Config.ContextLength)
            throw new ArgumentException(
                $"The corpus '{spec.Name}' (|S| = {truth.Vocabulary.Count}, C = {spec.ContextLength}) does not fit the checkpoint's model (|S| = {model.Config.VocabularySize}, C = {model.Config.ContextLength}).");
        model.eval();
        var result = LengthDecomposedKl.Draw(truth, settings.Windows, settings.Seed).Evaluate(model);

        if (settings.Json)
        {
            var lengths = new JsonArray();
            for (int i = 0; i < result.LengthCount; i++)
                lengths.Add(new JsonObject
                {
                    ["length"] = result.Lengths[i],
                    ["L"] = result.CrossEntropy[i], ["L_se"] = result.CrossEntropyStandardError[i],
                    ["S"] = result.Entropy[i], ["S_se"] = result.EntropyStandardError[i],
                    ["K"] = result.Kl[i], ["K_se"] = result.KlStandardError[i],
                    ["L_n"] = result.EmpiricalLoss[i], ["L_n_se"] = result.EmpiricalLossStandardError[i],
                });
            var doc = new JsonObject
            {
                ["checkpoint"] = Path.GetFullPath(settings.Checkpoint!),
                ["step"] = header.Step,
                ["corpus"] = spec.Name,
                ["windows"] = result.Windows,
                ["seed"] = settings.Seed,
                ["lengths"] = lengths,
                ["totals"] = new JsonObject
                {
                    ["L"] = result.TotalCrossEntropy, ["S"] = result.TotalEntropy, ["K"] = result.TotalKl,
                    ["K_se"] = result.TotalKlStandardError, ["L_n"] = result.TotalEmpiricalLoss,
                    ["L_per_token"] = result.MeanCrossEntropy,
                },
                ["inContextGain"] = new JsonObject
                {
                    ["available"] = result.AvailableGain, ["model"] = result.ModelGain,
                    ["capturedFraction"] = result.CapturedGainFraction, ["realizedGain"] = result.RealizedGain, ["availableGain"] = result.AvailableGain, ["gradualEvidenceRatio"] = result.GradualEvidenceRatio,
                },
            };
            Console.Out.WriteLine(doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }

        var table = new Table().Border(TableBorder.Rounded).AddColumns("l", "L^l", "S^l", "K^l", "± se");
        for (int i = 0; i < result.LengthCount; i++)
            table.AddRow(result.Lengths[i].ToString(), result.CrossEntropy[i].ToString("F4"), result.Entropy[i].ToString("F4"),
                result.Kl[i].ToString("F4"), result.KlStandardError[i].ToString("F4"));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"L = {result.TotalCrossEntropy:F4}, S = {result.TotalEntropy:F4}, K = {result.TotalKl:F4} ± {result.TotalKlStandardError:F4}; captured in-context gain {result.CapturedGainFraction:P1}");
        return 0;
    }
}
