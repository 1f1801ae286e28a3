using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using Slt.Contexts;
using Slt.Model;
using Slt.Platform;
using Slt.Truth;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;

namespace Slt.Cli.Commands;

/// <summary>
/// <c>slt contexts exact</c>: the exact linear-attention identity p(· | C ⊕ x, w) = p(· | x, F_C(w)) over random weights
/// (one and two layers) and the trained model, random contexts and corpus windows; and von Oswald's one-step
/// gradient-descent construction. Exit 0 when every error is within --tolerance, 3 otherwise.
/// </summary>
internal sealed class ContextsExactCommand : Command<ContextsExactCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--checkpoint <FILE>")]
        [Description("A linear-attention checkpoint (slt train with data/linear-attention.train.json). Default: that recipe, trained once through the training cache.")]
        public string? Checkpoint { get; init; }

        [CommandOption("--config <FILE>")]
        [Description("A linear-attention training recipe, trained once through the training cache (instead of --checkpoint).")]
        public string? Config { get; init; }

        [CommandOption("--skip-trained")]
        [Description("Random weights only (no trained model, no training).")]
        public bool SkipTrained { get; init; }

        [CommandOption("--seeds <N>")]
        [Description("Random weight draws per architecture (the model's, and the same with two layers). Default 3.")]
        public int Seeds { get; init; } = 3;

        [CommandOption("--scale <S>")]
        [Description("Scale of the random weights (embeddings N(0, S²/d), matrices N(0, S²/fan-in)). Default 1.")]
        public double Scale { get; init; } = 1.0;

        [CommandOption("--contexts <N>")]
        [Description("Random contexts per weight draw, lengths m spread over 1..C−1. Default 6.")]
        public int Contexts { get; init; } = 6;

        [CommandOption("--queries <N>")]
        [Description("Random queries per context. Default 4.")]
        public int Queries { get; init; } = 4;

        [CommandOption("--windows <N>")]
        [Description("Corpus windows cut into (context, query) for the trained model, at each of m = 1, 4, 8, 16, C−1. Default 4.")]
        public int Windows { get; init; } = 4;

        [CommandOption("--problems <N>")]
        [Description("Random in-context regression problems for von Oswald's construction. Default 20.")]
        public int Problems { get; init; } = 20;

        [CommandOption("--seed <S>")]
        [Description("Seed of the weights, contexts, queries and problems. Default 1.")]
        public long Seed { get; init; } = 1;

        [CommandOption("--tolerance <T>")]
        [Description("Largest error accepted (float64). Default 1e-10.")]
        public double Tolerance { get; init; } = 1e-10;

        [CommandOption("--json")]
        [Description("Print JSON instead of tables.")]
        public bool Json { get; init; }

        public override ValidationResult Validate()
        {
            if (Seeds < 1) return ValidationResult.Error($"--seeds must be at least 1, got {Seeds}.");
            if (Contexts < 1) return ValidationResult.Error($"--contexts must be at least 1, got {Contexts}.");
            if (Queries < 1) return ValidationResult.Error($"--queries must be at least 1, got {Queries}.");
            if (Windows < 1) return ValidationResult.Error($"--windows must be at least 1, got {Windows}.");
            if (Problems < 1) return ValidationResult.Error($"--problems must be at least 1, got {Problems}.");
            if (!(Scale > 0) || double.IsInfinity(Scale)) return ValidationResult.Error($"--scale must be positive, got {Scale}.");
            if (!(Tolerance > 0)) return ValidationResult.Error($"--tolerance must be positive, got {Tolerance}.");
            if (SkipTrained && (Checkpoint ?? Config) is not null) return ValidationResult.Error("--skip-trained takes no --checkpoint or --config.");
            if (Checkpoint is not null && Config is not null) return ValidationResult.Error("Give --checkpoint or --config, not both.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        TorchRuntime.Initialize(Environment.GetEnvironmentVariable("SLT_THREADS") is { Length: > 0 } ? null : 1);
        Transformer? trained = null;
        CorpusSpec corpus = CorpusSpec.Default;
        string trainedLabel = "trained";
        if (!settings.SkipTrained)
            (trained, corpus, trainedLabel) = ContextsLinearModel.Resolve(settings.Checkpoint, settings.Config);
        var architecture = trained?.Config ?? Slt.Training.TrainingRunConfig.LinearAttention.Model;

        var checks = new List<LinearContextIdentity>();
        foreach (int layers in new[] { architecture.Layers, architecture.Layers + 1 })
            for (int s = 0; s < settings.Seeds; s++)
            {
                long seed = settings.Seed * 1000 + layers * 100 + s;
                using var random = new Transformer(architecture with { Layers = layers });
                random.to(TorchSharp.torch.ScalarType.Float64);
                random.eval();
                LinearContextIdentity.DrawWeights(random, seed, settings.Scale);
                checks.Add(LinearContextIdentity.RandomCases(random, $"random, {layers} layer{(layers > 1 ? "s" : "")}, seed {seed}", settings.Contexts, settings.Queries, seed));
            }
        if (trained is not null)
        {
            using var mother = LinearContextMap.Float64Copy(trained);
            checks.Add(LinearContextIdentity.RandomCases(mother, trainedLabel, settings.Contexts, settings.Queries, settings.Seed));
            var windows = new CorpusGenerator(new TrueDistribution(corpus)).Sample(settings.Windows, settings.Seed);
            int c = corpus.ContextLength;
            var lengths = new[] { 1, 4, 8, 16, c - 1 }.Where(m => m < c).Distinct().ToArray();
            checks.Add(LinearContextIdentity.WindowCases(mother, trainedLabel + ", corpus windows", windows, lengths));
        }
        var identity = LinearContextIdentity.Combine(checks.ToArray());
        var regression = InContextRegression.CheckRandomProblems(settings.Problems, settings.Seed);
        bool passed = identity.WorstError <= settings.Tolerance && regression.WorstError <= settings.Tolerance
            && regression.WorstIncrementError <= settings.Tolerance;

        if (settings.Json)
        {
            var cases = new JsonArray();
            foreach (var c in identity.Cases)
                cases.Add(new JsonObject
                {
                    ["weights"] = c.Weights, ["layers"] = c.Layers, ["m"] = c.ContextLength, ["query_length"] = c.QueryLength,
                    ["queries"] = c.Queries, ["error"] = c.Error, ["error_without_increment"] = c.ErrorWithoutIncrement,
                    ["error_without_shift"] = c.ErrorWithoutShift,
                });
            var byWeights = new JsonArray();
            foreach (var g in identity.Cases.GroupBy(c => c.Weights))
                byWeights.Add(new JsonObject
                {
                    ["weights"] = g.Key, ["cases"] = g.Count(), ["worst_error"] = g.Max(c => c.Error),
                    ["smallest_ablation_error"] = g.Min(c => Math.Min(c.ErrorWithoutIncrement, c.ErrorWithoutShift)),
                });
            var problems = new JsonArray();
            foreach (var p in regression.Cases)
                problems.Add(new JsonObject
                {
                    ["a"] = p.InputDimension, ["b"] = p.OutputDimension, ["examples"] = p.Examples, ["eta"] = p.LearningRate,
                    ["from_zero"] = p.FromZero, ["error"] = p.Error, ["increment_error"] = p.IncrementError, ["step_effect"] = p.StepEffect,
                });
            var doc = new JsonObject
            {
                ["tolerance"] = settings.Tolerance,
                ["passed"] = passed,
                ["linear_identity"] = new JsonObject
                {
                    ["worst_error"] = identity.WorstError,
                    ["smallest_ablation_error"] = identity.SmallestAblationError,
                    ["by_weights"] = byWeights,
                    ["cases"] = cases,
                },
                ["von_oswald"] = new JsonObject
                {
                    ["worst_error"] = regression.WorstError,
                    ["worst_increment_error"] = regression.WorstIncrementError,
                    ["smallest_step_effect"] = regression.SmallestStepEffect,
                    ["problems"] = problems,
                },
                ["settings"] = new JsonObject
                {
                    ["seed"] = settings.Seed, ["seeds"] = settings.Seeds, ["scale"] = settings.Scale, ["contexts"] = settings.Contexts,
                    ["queries"] = settings.Queries, ["windows"] = settings.SkipTrained ? 0 : settings.Windows, ["trained"] = trained is not null,
                    ["model"] = JsonNode.Parse(architecture.ToJson()),
                },
            };
            Console.Out.WriteLine(doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return passed ? 0 : 3;
        }

        var table = new Table().Border(TableBorder.Rounded).AddColumns("weights", "cases", "worst |Δ log p|", "without M_C (min)", "without shift (min)");
        foreach (var g in identity.Cases.GroupBy(c => c.Weights))
            table.AddRow(Markup.Escape(g.Key), g.Count().ToString(), g.Max(c => c.Error).ToString("E2"),
                g.Min(c => c.ErrorWithoutIncrement).ToString("G3"), g.Min(c => c.ErrorWithoutShift).ToString("G3"));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"linear identity p(·|C ⊕ x, w) = p(·|x, F_C(w)): worst error [bold]{identity.WorstError:E2}[/] over {identity.Cases.Count} cases; a map missing M_C or the shift is off by at least {identity.SmallestAblationError:G3}");
        AnsiConsole.MarkupLine($"von Oswald (one linear-attention layer = one GD step, {regression.Cases.Count} problems): worst |ŷ_attention − ŷ_GD| = [bold]{regression.WorstError:E2}[/], worst |M_C − ΔW| = {regression.WorstIncrementError:E2} (smallest step effect {regression.SmallestStepEffect:G3})");
        AnsiConsole.MarkupLine(passed ? $"[green]all within {settings.Tolerance:G3}[/]" : $"[red]an error exceeds {settings.Tolerance:G3}[/]");
        return passed ? 0 : 3;
    }
}
