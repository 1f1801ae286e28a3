using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using Slt.Contexts;
using Slt.Platform;
using Slt.Truth;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary>
/// <c>slt contexts degeneracy</c>: the Jacobian of the exact linear-attention context increment M_C(w) at the trained
/// weights, for contexts cut from a corpus window at several lengths m: numerical rank against its generic value, the
/// output dimension L d² and dim W, the singular values, and the columns per named weight block (zero = a fibre).
/// </summary>
internal sealed class ContextsDegeneracyCommand : Command<ContextsDegeneracyCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--checkpoint <FILE>")]
        [Description("A linear-attention checkpoint. Default: data/linear-attention.train.json's recipe, trained once through the training cache.")]
        public string? Checkpoint { get; init; }

        [CommandOption("--config <FILE>")]
        [Description("A linear-attention training recipe, trained once through the training cache (instead of --checkpoint).")]
        public string? Config { get; init; }

        [CommandOption("--lengths <LIST>")]
        [Description("Context lengths m, e.g. 1,2,4,8,16 or 1-4. Default 1,2,4,8,16.")]
        public string Lengths { get; init; } = "1,2,4,8,16";

        [CommandOption("--seed <S>")]
        [Description("Seed of the corpus window the contexts are cut from (its first m tokens). Default 1.")]
        public long Seed { get; init; } = 1;

        [CommandOption("--relative-tolerance <R>")]
        [Description("Numerical rank: singular values above R·σ₁ (default max(L d², dim W)·ε, NumPy's rule).")]
        public double? RelativeTolerance { get; init; }

        [CommandOption("--json")]
        [Description("Print JSON instead of tables.")]
        public bool Json { get; init; }

        public override ValidationResult Validate()
        {
            if (Checkpoint is not null && Config is not null) return ValidationResult.Error("Give --checkpoint or --config, not both.");
            if (RelativeTolerance is { } r && !(r > 0 && r < 1)) return ValidationResult.Error($"--relative-tolerance must be in (0, 1), got {r}.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        TorchRuntime.Initialize(Environment.GetEnvironmentVariable("SLT_THREADS") is { Length: > 0 } ? null : 1);
        var lengths = ContextsLinearModel.ParseList(settings.Lengths, "--lengths");
        var (model, corpus, label) = ContextsLinearModel.Resolve(settings.Checkpoint, settings.Config);
        int c = model.Config.ContextLength;
        if (lengths[0] < 1 || lengths[^1] > c - 1)
            throw new ArgumentException($"--lengths: every m must be in 1..{c - 1} (a query needs at least one of the C = {c} positions).");
        var truth = new TrueDistribution(corpus);
        var window = new CorpusGenerator(truth).Sample(1, settings.Seed).Window(0).ToArray();
        var results = new List<ContextMapDegeneracy>();
        foreach (int m in lengths)
        {
            cancellationToken.ThrowIfCancellationRequested();
            results.Add(ContextMapDegeneracy.Measure(model, window[..m], settings.RelativeTolerance));
        }

        if (settings.Json)
        {
            var measurements = new JsonArray();
            foreach (var r in results)
            {
                var blocks = new JsonArray();
                foreach (var b in r.Blocks)
                    blocks.Add(new JsonObject
                    {
                        ["block"] = b.Name, ["columns"] = b.Columns, ["nonzero_columns"] = b.NonzeroColumns, ["norm"] = b.Norm,
                        ["rank"] = b.Rank, ["fibre"] = b.IsFibre,
                    });
                measurements.Add(new JsonObject
                {
                    ["m"] = r.ContextLength,
                    ["context"] = truth.Vocabulary.Decode(window.AsSpan(0, r.ContextLength)),
                    ["rank"] = r.Rank,
                    ["generic_rank"] = r.GenericRank,
                    ["output_dimension"] = r.OutputDimension,
                    ["parameters"] = r.ParameterCount,
                    ["nonzero_columns"] = r.NonzeroColumns,
                    ["increment_rank"] = new JsonArray(r.IncrementRank.Select(v => (JsonNode)v).ToArray()),
                    ["increment_kernel"] = r.IncrementKernel,
                    ["map_rank"] = r.MapRank,
                    ["map_kernel"] = r.ParameterCount - r.MapRank,
                    ["tolerance"] = r.Tolerance,
                    ["sigma_max"] = r.SingularValues.Length > 0 ? r.SingularValues[0] : 0.0,
                    ["sigma_min_nonzero"] = r.SmallestNonzeroSingularValue,
                    ["sigma_max_null"] = r.LargestNullSingularValue,
                    ["singular_values"] = new JsonArray(r.SingularValues.Select(v => (JsonNode)v).ToArray()),
                    ["blocks"] = blocks,
                    ["seconds"] = r.Seconds,
                });
            }
            var doc = new JsonObject
            {
                ["model"] = new JsonObject
                {
                    ["weights"] = label, ["layers"] = model.Config.Layers, ["d"] = model.Config.ModelDimension, ["heads"] = model.Config.Heads,
                    ["parameters"] = model.ParameterCount,
                },
                ["tolerance_rule"] = settings.RelativeTolerance is { } rt ? $"sigma_1 * {rt}" : "sigma_1 * max(L d^2, dim W) * 2^-52",
                ["seed"] = settings.Seed,
                ["measurements"] = measurements,
            };
            Console.Out.WriteLine(doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }

        AnsiConsole.MarkupLine($"∂M_C/∂w at the {Markup.Escape(label)} linear-attention model: L = {model.Config.Layers}, d = {model.Config.ModelDimension}, H = {model.Config.Heads}, dim W = {model.ParameterCount}");
        var summary = new Table().Border(TableBorder.Rounded)
            .AddColumns("m", "rank J", "generic", "L d²", "nonzero columns", "rank dF_C = dim W − m d", "σ₁", "σ_min > τ", "σ_max ≤ τ", "τ", "s");
        foreach (var r in results)
            summary.AddRow(r.ContextLength.ToString(), r.Rank.ToString(), r.GenericRank?.ToString() ?? "—", r.OutputDimension.ToString(),
                r.NonzeroColumns.ToString(), r.MapRank.ToString(), r.SingularValues[0].ToString("G3"), r.SmallestNonzeroSingularValue.ToString("G3"),
                r.LargestNullSingularValue.ToString("G3"), r.Tolerance.ToString("G3"), r.Seconds.ToString("F1"));
        AnsiConsole.Write(summary);
        var last = results[^1];
        var blockTable = new Table().Border(TableBorder.Rounded).Title($"blocks at m = {last.ContextLength}")
            .AddColumns("block", "columns", "nonzero", "norm", "rank", "fibre");
        foreach (var b in last.Blocks)
            blockTable.AddRow(Markup.Escape(b.Name), b.Columns.ToString(), b.NonzeroColumns.ToString(), b.Norm.ToString("G4"), b.Rank.ToString(), b.IsFibre ? "yes" : "");
        AnsiConsole.Write(blockTable);
        return 0;
    }
}
