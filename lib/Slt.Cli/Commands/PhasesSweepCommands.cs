using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Analysis;
using Slt.Phases;
using Slt.Platform;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary>The options both sweeps share, and their output.</summary>
internal abstract class PhasesSweepSettings : CommandSettings
{
    [CommandOption("--seeds <LIST>")]
    [Description("Training seeds, comma-separated (data default 1,2,3; architecture default 1,2).")]
    public string? Seeds { get; init; }

    [CommandOption("--steps <N>")]
    [Description("Optimizer steps per run (default 1500, the default recipe's).")]
    public int Steps { get; init; } = 1500;

    [CommandOption("--training-windows <N>")]
    [Description("Size n of each run's training sample (default 65536).")]
    public int TrainingWindows { get; init; } = 65536;

    [CommandOption("--windows <N>")]
    [Description("Windows of the fixed probe sample every run is measured on (default 1024), at least 64.")]
    public int Windows { get; init; } = 1024;

    [CommandOption("--probe-seed <SEED>")]
    [Description("Seed of the probe sample (default 2).")]
    public long ProbeSeed { get; init; } = 2;

    [CommandOption("--no-cache")]
    [Description("Neither read nor write the per-run measurement cache (SLT_CACHE/phases); trained models are still cached.")]
    public bool NoCache { get; init; }

    [CommandOption("--shipped")]
    [Description("Print the result shipped in data/results for these settings instead of running (exit 1 if none).")]
    public bool FromShipped { get; init; }

    [CommandOption("--ship")]
    [Description("Run and write the result to data/results (Slt.Configuration.ShippedResults).")]
    public bool Ship { get; init; }

    [CommandOption("--json")]
    [Description("Print JSON instead of tables.")]
    public bool Json { get; init; }

    [CommandOption("--csv <FILE>")]
    [Description("Also write one row per run (corpus × architecture × seed) as CSV.")]
    public string? Csv { get; init; }

    internal static long[]? ParseSeeds(string? text) => text is null ? null : ParseNumbers(text, "--seeds", long.Parse);

    internal static T[] ParseNumbers<T>(string text, string option, Func<string, NumberStyles, IFormatProvider, T> parse)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length == 0 || parts.Any(p => p.Length == 0)) throw new FormatException($"{option} needs a comma-separated list of numbers, got '{text}'.");
        try { return parts.Select(p => parse(p, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray(); }
        catch (Exception e) when (e is FormatException or OverflowException)
        { throw new FormatException($"{option} needs a comma-separated list of numbers, got '{text}'."); }
    }

    /// <summary>Checks the options by building the library's settings (their messages name the field).</summary>
    protected ValidationResult Check(Action build)
    {
        if (Csv is not null && string.IsNullOrWhiteSpace(Csv)) return ValidationResult.Error("--csv needs a file name.");
        if (Ship && FromShipped) return ValidationResult.Error("--ship and --shipped exclude each other.");
        try { build(); }
        catch (Exception e) when (e is FormatException or ArgumentException) { return ValidationResult.Error(e.Message); }
        return ValidationResult.Success();
    }

    /// <summary>Prints (or writes) a sweep's result; returns 0.</summary>
    internal int Report(string sweep, object settings, double seconds, bool shipped, string? file, IReadOnlyList<SweepMeasurement> rows,
        IReadOnlyList<SweepSummaryRow> summary, IReadOnlyList<FrontierPoint>? frontier)
    {
        if (Csv is not null) DataFrame.SaveCsv(SweepTables.Runs(rows), Csv, cultureInfo: CultureInfo.InvariantCulture);
        if (Json)
        {
            var doc = new JsonObject
            {
                ["sweep"] = sweep,
                ["settings"] = JsonSerializer.SerializeToNode(settings, settings.GetType(), SettingsJson),
                ["seconds"] = seconds,
                ["shipped"] = shipped,
                ["shipped_file"] = file,
                ["runs"] = Frame(SweepTables.Runs(rows)),
                ["gains"] = Frame(SweepTables.Gains(rows)),
                ["kl_by_length"] = new JsonArray(rows.Select(r => (JsonNode?)new JsonObject
                {
                    ["corpus"] = r.Corpus, ["architecture"] = r.Architecture, ["seed"] = r.Seed,
                    ["K"] = new JsonArray(r.Reading.Kl.Select(k => (JsonNode?)k).ToArray()),
                    ["K_se"] = new JsonArray(r.Reading.KlStandardError.Select(k => (JsonNode?)k).ToArray()),
                }).ToArray()),
                ["summary"] = Frame(SweepTables.Summary(summary)),
            };
            if (frontier is not null)
                doc["frontier"] = new JsonArray(frontier.Select(p => (JsonNode?)new JsonObject
                {
                    ["share"] = p.Share, ["smallest"] = p.Architecture, ["parameters"] = p.Parameters,
                    ["G"] = p.Gain?.Mean, ["G_se"] = p.Gain?.StandardError, ["smallest_by_2se"] = p.Confident,
                }).ToArray());
            Console.WriteLine(doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        AnsiConsole.MarkupLine(Markup.Escape($"{sweep} sweep: {rows.Count} runs, {seconds:F0} s{(shipped ? " (read from data/results)" : "")}{(file is null ? "" : $"; shipped to {file}")}"));
        var runs = new Table().Border(TableBorder.Rounded).AddColumns("corpus", "architecture", "params", "seed", "G ± se", "G head", "G tail", "K", "W head", "in-weights share");
        foreach (var r in rows)
            runs.AddRow(Markup.Escape(r.Corpus), Markup.Escape(r.Architecture), r.Parameters.ToString(CultureInfo.InvariantCulture), r.Seed.ToString(CultureInfo.InvariantCulture),
                Pm(r.Reading.Gain()), Pm(r.Reading.Gain("all", "head")), Pm(r.Reading.Gain("all", "tail")),
                r.Reading.TotalKl.ToString("F3", CultureInfo.InvariantCulture), $"{r.Reading.HeadKlAtOne:F4} ± {r.Reading.HeadKlAtOneSe:F4}",
                r.Reading.InWeightsShare?.ToString("F3", CultureInfo.InvariantCulture) ?? "");
        AnsiConsole.Write(runs);
        var table = new Table().Border(TableBorder.Rounded).AddColumns("knob", "value", "label", "seeds", "G", "G head", "G tail", "G own", "in-weights share", "K");
        foreach (var s in summary)
            table.AddRow(s.Knob, s.Value.ToString("G6", CultureInfo.InvariantCulture), Markup.Escape(s.Label), s.Gain.Seeds.ToString(CultureInfo.InvariantCulture),
                s.Gain.ToString(), s.HeadGain.ToString(), s.TailGain.ToString(), s.OwnGain?.ToString() ?? "", s.InWeightsShare.ToString(), s.TotalKl.ToString());
        AnsiConsole.Write(table);
        if (frontier is not null)
            foreach (var p in frontier)
                AnsiConsole.MarkupLine(Markup.Escape($"smallest with G ≥ {p.Share:G3}: {p.Architecture ?? "none"}{(p.Parameters is { } n ? $" ({n} parameters, G = {p.Gain})" : "")}; clearing it by 2 se: {p.Confident ?? "none"}"));
        return 0;
    }

    private static readonly JsonSerializerOptions SettingsJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    };

    private static string Pm(Slt.Transitions.CapturedGain g) => string.Create(CultureInfo.InvariantCulture, $"{g.Gain:F3} ± {g.StandardError:F3}");

    private static JsonArray Frame(DataFrame frame)
    {
        var array = new JsonArray();
        for (long i = 0; i < frame.Rows.Count; i++)
        {
            var o = new JsonObject();
            foreach (var c in frame.Columns)
                o[c.Name] = c[i] switch
                {
                    null => null,
                    double d when !double.IsFinite(d) => d.ToString(CultureInfo.InvariantCulture),
                    double d => JsonValue.Create(d),
                    float f => JsonValue.Create((double)f),
                    int n => JsonValue.Create(n),
                    long n => JsonValue.Create(n),
                    bool b => JsonValue.Create(b),
                    var v => JsonValue.Create(Convert.ToString(v, CultureInfo.InvariantCulture)),
                };
            array.Add(o);
        }
        return array;
    }

    internal IProgress<string>? Progress => new Progress.InlineText(line => Console.Error.WriteLine(line));

    internal static void Threads() => TorchRuntime.Initialize(Environment.GetEnvironmentVariable("SLT_THREADS") is { Length: > 0 } ? null : 1);
}

/// <summary>
/// <c>slt phases data [--zipf 0,1,1.5] [--burstiness 1,0.9,0.7] [--tasks 16,64,256] [--seeds 1,2,3] …</c>: the default
/// architecture on corpora that differ from the default in one knob at a time; G per family and class, K, the in-weights
/// share, one row per corpus and seed (docs/phases-data.md).
/// </summary>
internal sealed class PhasesDataCommand : Command<PhasesDataCommand.Settings>
{
    public sealed class Settings : PhasesSweepSettings
    {
        [CommandOption("--zipf <LIST>")]
        [Description("Zipf exponents α of the task prior (default 0,1,1.5).")]
        public string? Zipf { get; init; }

        [CommandOption("--burstiness <LIST>")]
        [Description("Probabilities b in (0, 1]] that the task persists to the next token (default 1,0.9,0.7).")]
        public string? Burstiness { get; init; }

        [CommandOption("--tasks <LIST>")]
        [Description("Tasks per family (default 16,64,256).")]
        public string? Tasks { get; init; }

        internal DataSweepSettings Build() => new DataSweepSettings(
            Zipf is null ? null : ParseNumbers(Zipf, "--zipf", double.Parse),
            Burstiness is null ? null : ParseNumbers(Burstiness, "--burstiness", double.Parse),
            Tasks is null ? null : ParseNumbers(Tasks, "--tasks", int.Parse),
            ParseSeeds(Seeds), Steps, TrainingWindows, Windows, ProbeSeed).Validate();

        public override ValidationResult Validate() => Check(() => Build());
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        PhasesSweepSettings.Threads();
        var options = settings.Build();
        DataSweep sweep;
        if (settings.FromShipped)
            sweep = DataSweep.ReadShipped(options) ?? throw new InvalidOperationException("No data sweep is shipped in data/results for these settings; run `slt phases data --ship`.");
        else sweep = DataSweep.Run(options, settings.Progress, useCache: !settings.NoCache);
        string? file = settings.Ship ? sweep.Ship() : null;
        return settings.Report("data", options, sweep.Seconds, sweep.Shipped, file, sweep.Rows, sweep.Summary(), null);
    }
}

/// <summary>
/// <c>slt phases architecture [--kinds …] [--widths 16,32,64] [--seeds 1,2] …</c>: the smallest in-context learner on the
/// default corpus; G against parameters and the frontier (docs/phases-data.md).
/// </summary>
internal sealed class PhasesArchitectureCommand : Command<PhasesArchitectureCommand.Settings>
{
    public sealed class Settings : PhasesSweepSettings
    {
        [CommandOption("--kinds <LIST>")]
        [Description("Architecture kinds: attention-only, one-layer, two-layer, linear (default all).")]
        public string? Kinds { get; init; }

        [CommandOption("--widths <LIST>")]
        [Description("Model dimensions d (default 16,32,64), multiples of --heads.")]
        public string? Widths { get; init; }

        [CommandOption("--heads <N>")]
        [Description("Attention heads (default 4).")]
        public int Heads { get; init; } = 4;

        [CommandOption("--shares <LIST>")]
        [Description("Shares of the available gain for the frontier (default 0.5,0.8).")]
        public string? Shares { get; init; }

        internal ArchitectureSweepSettings Build() => new ArchitectureSweepSettings(
            Kinds?.Split(',', StringSplitOptions.TrimEntries),
            Widths is null ? null : ParseNumbers(Widths, "--widths", int.Parse),
            Heads, ParseSeeds(Seeds), Steps, TrainingWindows, Windows, ProbeSeed).Validate();

        internal double[] FrontierShares()
        {
            var shares = Shares is null ? [0.5, 0.8] : ParseNumbers(Shares, "--shares", double.Parse);
            foreach (double s in shares)
                if (!(s > 0 && s <= 1)) throw new ArgumentException($"--shares must lie in (0, 1], got {s}.");
            return shares;
        }

        public override ValidationResult Validate() => Check(() => { Build(); FrontierShares(); });
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        PhasesSweepSettings.Threads();
        var options = settings.Build();
        ArchitectureSweep sweep;
        if (settings.FromShipped)
            sweep = ArchitectureSweep.ReadShipped(options) ?? throw new InvalidOperationException("No architecture sweep is shipped in data/results for these settings; run `slt phases architecture --ship`.");
        else sweep = ArchitectureSweep.Run(options, settings.Progress, useCache: !settings.NoCache);
        string? file = settings.Ship ? sweep.Ship() : null;
        return settings.Report("architecture", options, sweep.Seconds, sweep.Shipped, file, sweep.Rows, sweep.Summary(), sweep.Frontier(settings.FrontierShares()));
    }
}
