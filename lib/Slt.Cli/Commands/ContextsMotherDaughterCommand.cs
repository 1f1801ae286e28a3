using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using Slt.Contexts;
using Slt.Estimators;
using Slt.Platform;
using Slt.Sampling;
using Slt.Training;
using Slt.Truth;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary>
/// <c>slt contexts mother-daughter</c>: the measured comparison of notebook 03 — λ̂ of the trained model at w* on C ⊕ x against
/// λ̂ of its daughter at F_C(w*) on x (the exact map for linear attention, the fitted full-model map for softmax).
/// </summary>
internal sealed class ContextsMotherDaughterCommand : Command<ContextsMotherDaughterCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--model <MODEL>")]
        [Description("linear (exact F_C, TrainingRunConfig.LinearAttention), softmax (fitted F_C, the default model) or both (default).")]
        public string Model { get; init; } = "both";

        [CommandOption("--family <F>")]
        [Description("Family index whose most frequent task gives C and the queries (default 0).")]
        public int Family { get; init; }

        [CommandOption("--context-length <M>")]
        [Description("m = |C| (default 8).")]
        public int ContextLength { get; init; } = 8;

        [CommandOption("--query-length <T>")]
        [Description("T = |x| ≥ 2 (default 8); the loss is on the predictions of x_2..x_T.")]
        public int QueryLength { get; init; } = 8;

        [CommandOption("--queries <N>")]
        [Description("N queries = n of both samples (default 256).")]
        public int Queries { get; init; } = NextTokenTarget.DefaultWindows;

        [CommandOption("--seed <S>")]
        [Description("Seed of C and the queries (default 5; the fit's queries use S + 1).")]
        public long Seed { get; init; } = 5;

        [CommandOption("--json")]
        [Description("Print JSON instead of a table.")]
        public bool Json { get; init; }

        public override ValidationResult Validate()
        {
            if (Model is not ("linear" or "softmax" or "both")) return ValidationResult.Error($"--model must be linear, softmax or both; got '{Model}'.");
            if (ContextLength < 1) return ValidationResult.Error($"--context-length must be at least 1, got {ContextLength}.");
            if (QueryLength < 2) return ValidationResult.Error($"--query-length must be at least 2, got {QueryLength}.");
            if (Queries < 2) return ValidationResult.Error($"--queries must be at least 2, got {Queries}.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        TorchRuntime.Initialize(Environment.GetEnvironmentVariable("SLT_THREADS") is { Length: > 0 } ? null : 1);
        var truth = new TrueDistribution(TrainingRunConfig.Default.Corpus);
        var tasks = ContextualQueries.MostFrequentTaskPerFamily(truth);
        if (settings.Family < 0 || settings.Family >= tasks.Length)
            throw new ArgumentException($"--family must be in 0..{tasks.Length - 1}, got {settings.Family}.");
        var queries = ContextualQueries.Draw(truth, tasks[settings.Family], settings.ContextLength, settings.QueryLength, settings.Queries, settings.Seed);
        var pairs = new List<MotherDaughterLlc>();
        if (settings.Model is "linear" or "both")
        {
            var (linear, _) = TrainedModelCache.GetOrTrain(TrainingRunConfig.LinearAttention);
            using var daughter = new LinearContextMap(linear.Config, queries.Context).Daughter(linear);
            pairs.Add(MotherDaughterLlc.Estimate("linear attention, exact F_C", linear, daughter, queries, cancellationToken: cancellationToken));
        }
        if (settings.Model is "softmax" or "both")
        {
            var (softmax, _) = TrainedModelCache.GetOrTrain(TrainingRunConfig.Default);
            using var fitted = FittedContextMap.Fit(softmax, queries.WithQueries(count: 64, seed: settings.Seed + 1), ParameterSubset.Full, ContextFitSweepSettings.DefaultFit);
            pairs.Add(MotherDaughterLlc.Estimate("softmax, fitted F_C", softmax, fitted.Daughter, queries, cancellationToken: cancellationToken));
        }

        if (settings.Json)
        {
            var array = new JsonArray();
            foreach (var p in pairs)
                array.Add(new JsonObject
                {
                    ["label"] = p.Label,
                    ["family"] = queries.FamilyName,
                    ["task"] = queries.Task,
                    ["context_length"] = p.ContextTokens,
                    ["query_length"] = p.QueryTokens,
                    ["n"] = p.Mother.Run.SampleSize,
                    ["loss_mother_at_w_star"] = p.MotherBaseline,
                    ["loss_daughter_at_f_c"] = p.DaughterBaseline,
                    ["lambda_mother_hat"] = p.Mother.Mean,
                    ["lambda_mother_se"] = p.Mother.StandardError,
                    ["lambda_daughter_hat"] = p.Daughter.Mean,
                    ["lambda_daughter_se"] = p.Daughter.StandardError,
                    ["gap"] = p.Gap,
                    ["gap_se"] = p.GapStandardError,
                    ["sign"] = p.Sign.ToString(),
                    ["mother"] = EstimateReport.ToJson(p.Mother),
                    ["daughter"] = EstimateReport.ToJson(p.Daughter),
                });
            Console.WriteLine(new JsonObject { ["comparisons"] = array }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            foreach (var p in pairs) AnsiConsole.WriteLine(p.Summary());
        }
        var worst = pairs.Select(p => Math.Max(ExitCodes.For(p.Mother.Diagnostics.Trust, p.Mother.Mean is not null),
            ExitCodes.For(p.Daughter.Diagnostics.Trust, p.Daughter.Mean is not null))).Max();
        return worst;
    }
}
