using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Slt.Additivity;
using Slt.Platform;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary>
/// <c>slt additivity shared</c>: on the default transformer, where the two families live in weight space (per-block
/// Fisher overlap along training) and whether their learning coefficients add (interference I per block).
/// </summary>
internal sealed class AdditivitySharedCommand : Command<AdditivitySharedCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--overlap")]
        [Description("The per-block Fisher overlap of the two families at every training checkpoint.")]
        public bool Overlap { get; init; }

        [CommandOption("--interference <BLOCKS>")]
        [Description("I = λ̂(W, all) − λ̂(W₁, family 1) − λ̂(W₂, family 2) for each of: rows (token-embedding rows of the words), unembedding (unembedding rows), or a shared block (attention-1, mlp-1, blocks.1.attention.heads.0; join several with +). Comma-separated.")]
        public string? Interference { get; init; }

        [CommandOption("--windows-per-family <M>")]
        [Description("Windows per family of the Fisher (default 64).")]
        public int WindowsPerFamily { get; init; } = FisherOverlapSettings.Default.WindowsPerFamily;

        [CommandOption("--step-size <EPS>")]
        [Description("SGLD step ε of the interference runs (default: FamilyInterference.DefaultSettings).")]
        public double? StepSize { get; init; }

        [CommandOption("--burn-in <STEPS>")]
        [Description("Burn-in steps per chain of the interference runs.")]
        public int? BurnIn { get; init; }

        [CommandOption("--draws <N>")]
        [Description("Draws per chain of the interference runs.")]
        public int? Draws { get; init; }

        [CommandOption("--steps-between-draws <K>")]
        [Description("SGLD steps between draws of the interference runs.")]
        public int? StepsBetweenDraws { get; init; }

        [CommandOption("--seed <SEED>")]
        [Description("Seed of the whole's run (the parts use seed + 1 and seed + 2).")]
        public long? Seed { get; init; }

        [CommandOption("--no-cache")]
        [Description("Compute afresh (neither read nor write SLT_CACHE/additivity).")]
        public bool NoCache { get; init; }

        [CommandOption("--ship")]
        [Description("Recompute the interference blocks and write them to data/results with the model's fingerprint, where the notebooks read them (no cache read or written).")]
        public bool Ship { get; init; }

        [CommandOption("--json")]
        [Description("Print JSON instead of tables.")]
        public bool Json { get; init; }

        public override ValidationResult Validate()
        {
            if (StepSize is { } e && !(e > 0 && double.IsFinite(e))) return ValidationResult.Error($"--step-size must be positive, got {e}.");
            if (BurnIn is < 0) return ValidationResult.Error($"--burn-in must be ≥ 0, got {BurnIn}.");
            if (Draws is < 4) return ValidationResult.Error($"--draws must be at least 4, got {Draws}.");
            if (StepsBetweenDraws is < 1) return ValidationResult.Error($"--steps-between-draws must be at least 1, got {StepsBetweenDraws}.");
            if (WindowsPerFamily < 2) return ValidationResult.Error($"--windows-per-family must be at least 2, got {WindowsPerFamily}.");
            if (Interference is not null && string.IsNullOrWhiteSpace(Interference.Replace(",", "")))
                return ValidationResult.Error("--interference needs a list of blocks: rows, unembedding, attention-1, mlp-1, ….");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        TorchRuntime.Initialize(Environment.GetEnvironmentVariable("SLT_THREADS") is { Length: > 0 } ? null : 1);
        bool overlap = settings.Overlap || settings.Interference is null;
        var blocks = settings.Interference is null ? (settings.Overlap ? null : InterferenceBlock.Defaults) : InterferenceBlock.ParseList(settings.Interference);
        var json = new JsonObject();
        int exit = 0;
        if (overlap)
        {
            var clock = Stopwatch.StartNew();
            var (result, cached) = FamilyFisherOverlap.Default(FisherOverlapSettings.Default with { WindowsPerFamily = settings.WindowsPerFamily }, !settings.NoCache);
            double seconds = clock.Elapsed.TotalSeconds;
            if (settings.Json)
            {
                json["overlap"] = new JsonObject
                {
                    ["family_1"] = result.Family1, ["family_2"] = result.Family2,
                    ["windows_per_family"] = result.Settings.WindowsPerFamily, ["energy_share"] = result.Settings.EnergyShare, ["max_rank"] = result.Settings.MaxRank,
                    ["seconds_computed"] = result.Seconds, ["seconds_this_call"] = seconds, ["from_cache"] = cached,
                    ["rows"] = new JsonArray(result.Rows.Select(r => (JsonNode?)new JsonObject
                    {
                        ["step"] = r.Step, ["block"] = r.Block, ["parameters"] = r.Parameters, ["k1"] = r.Rank1, ["k2"] = r.Rank2,
                        ["overlap"] = Finite(r.Overlap), ["chance"] = Finite(r.Chance), ["trace_1"] = r.Trace1, ["trace_2"] = r.Trace2,
                    }).ToArray()),
                };
            }
            else
            {
                AnsiConsole.MarkupLine(Markup.Escape($"Fisher overlap of {result.Family1} and {result.Family2} (mean cos² of principal angles; m = {result.Settings.WindowsPerFamily}, {result.Settings.EnergyShare:P0} of the trace, k ≤ {result.Settings.MaxRank}); computed in {result.Seconds:F1} s{(cached ? " (from the cache)" : "")}"));
                var steps = result.Rows.Select(r => r.Step).Distinct().OrderBy(s => s).ToArray();
                var names = result.Rows.Select(r => r.Block).Distinct().ToArray();
                var table = new Table().Border(TableBorder.Rounded).AddColumn("step");
                foreach (var n in names) table.AddColumn(n);
                foreach (int s in steps)
                    table.AddRow([s.ToString(), .. names.Select(n => result.Rows.First(r => r.Step == s && r.Block == n)).Select(r => $"{r.Overlap:F3} ({r.Rank1},{r.Rank2}; {r.Chance:F3})")]);
                AnsiConsole.Write(table);
                AnsiConsole.MarkupLine("[grey]cells: overlap (k₁,k₂; chance level max(k₁,k₂)/p)[/]");
            }
        }
        if (blocks is not null)
        {
            var clock = Stopwatch.StartNew();
            var (results, cached) = Progress.Run(settings.Json, "interference", progress =>
                FamilyInterference.Default(blocks, Sampler(settings), useCache: !settings.NoCache, progress: progress, cancellationToken: cancellationToken, ship: settings.Ship));
            double seconds = clock.Elapsed.TotalSeconds;
            if (settings.Json)
            {
                json["interference"] = new JsonArray(results.Select(r => (JsonNode?)r.ToJson()).ToArray());
                json["interference_seconds_this_call"] = seconds;
                json["interference_from_cache"] = cached;
            }
            else
            {
                foreach (var r in results) AnsiConsole.WriteLine(r.Summary());
                AnsiConsole.MarkupLine($"[grey]{seconds:F1} s{(cached ? " (from the cache)" : "")}[/]");
            }
            exit = results.SelectMany(r => r.Terms).Select(t => ExitCodes.For(Enum.Parse<Diagnostics.Trust>(t.Trust), t.Llc is not null)).DefaultIfEmpty(0).Max();
        }
        if (settings.Json) Console.WriteLine(json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return exit;
    }

    private static Sampling.SgldSettings Sampler(Settings o)
    {
        var s = FamilyInterference.DefaultSettings;
        return s with
        {
            StepSize = o.StepSize ?? s.StepSize, BurnIn = o.BurnIn ?? s.BurnIn, Draws = o.Draws ?? s.Draws,
            StepsBetweenDraws = o.StepsBetweenDraws ?? s.StepsBetweenDraws, Seed = o.Seed ?? s.Seed,
        };
    }

    private static double? Finite(double x) => double.IsFinite(x) ? x : null;
}
