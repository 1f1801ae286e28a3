using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using Slt.Contexts;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary>
/// <c>slt contexts rank-one [--config FILE | --checkpoint FILE] [--lengths 1,2,4,8,16] [--queries 16] [--json]</c>: the exact
/// rank-one context update of the softmax transformer's last MLP (Dherin et al. 2025) per family and context length —
/// the output identity's worst error, σ₂/σ₁ of ΔW, the error without the bias absorption, and ΔW's query dependence.
/// </summary>
internal sealed class ContextsRankOneCommand : Command<ContextsRankOneCommand.Settings>
{
    public sealed class Settings : ContextsSettings
    {
        [CommandOption("--queries <N>")]
        [Description("Queries per context (default 16), at least 2.")]
        public int Queries { get; init; } = 16;

        public override ValidationResult Validate()
        {
            if (Queries < 2) return ValidationResult.Error($"--queries must be at least 2, got {Queries}.");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var lengths = settings.ParseLengths();
        var source = ContextsSource.Resolve(settings);
        using var model = source.Model;
        var result = RankOneSweep.Run(model, source.Truth, lengths, (settings.QueryLength ?? 8), settings.Queries, settings.Seed);
        if (settings.Json)
        {
            var cells = new JsonArray();
            foreach (var r in result.Rows)
                cells.Add(new JsonObject
                {
                    ["family"] = r.FamilyName, ["task"] = r.Task, ["m"] = r.ContextLength, ["queries"] = r.Queries,
                    ["identity_error"] = r.IdentityError, ["error_without_bias"] = r.ErrorWithoutAbsorption,
                    ["sigma2_over_sigma1"] = r.RankRatio, ["spread"] = r.Dependence.Spread,
                    ["mean_cosine"] = r.Dependence.MeanCosine, ["min_cosine"] = r.Dependence.MinCosine,
                    ["bias_spread"] = r.Dependence.BiasSpread, ["relative_size"] = r.Dependence.RelativeSize,
                });
            var doc = new JsonObject
            {
                ["model"] = source.Description, ["step"] = source.Step,
                ["updated_weight"] = $"blocks.{model.Config.Layers - 1}.mlp.0.weight", ["absorbing_bias"] = $"blocks.{model.Config.Layers - 1}.mlp.2.bias",
                ["dtype"] = "float64", ["query_length"] = (settings.QueryLength ?? 8), ["queries"] = settings.Queries, ["seed"] = settings.Seed,
                ["worst_identity_error"] = result.WorstIdentityError, ["worst_sigma2_over_sigma1"] = result.WorstRankRatio,
                ["cells"] = cells,
            };
            Console.Out.WriteLine(doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
            return 0;
        }
        var table = new Table().Border(TableBorder.Rounded).AddColumns("family", "task", "m", "identity error", "without bias", "σ₂/σ₁", "spread", "mean cos", "bias spread");
        foreach (var r in result.Rows)
            table.AddRow(r.FamilyName, r.Task.ToString(), r.ContextLength.ToString(), r.IdentityError.ToString("0.0e+0"), r.ErrorWithoutAbsorption.ToString("F3"),
                r.RankRatio.ToString("0.0e+0"), r.Dependence.Spread.ToString("F3"), r.Dependence.MeanCosine.ToString("F3"), r.Dependence.BiasSpread.ToString("F3"));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"{Markup.Escape(source.Description)} (step {source.Step}), float64: worst identity error {result.WorstIdentityError:E2}, worst σ₂/σ₁ {result.WorstRankRatio:E2}.");
        return 0;
    }
}
