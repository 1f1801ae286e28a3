using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Slt.Diagnostics;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary><c>slt diagnostics --traces FILE.csv [--json]</c>: rank-normalized R̂, bulk- and tail-ESS and MCSE
/// (Vehtari et al. 2021) of per-draw traces, in the CSV format <c>slt llc --traces</c> writes.</summary>
internal sealed class DiagnosticsCommand : Command<DiagnosticsCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--traces <FILE>")]
        [Description("CSV with columns chain, draw and value (or excess, as slt llc --traces writes), in any order.")]
        public string? Traces { get; init; }

        [CommandOption("--json")]
        [Description("Print JSON instead of a table.")]
        public bool Json { get; init; }

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Traces) ? ValidationResult.Error("--traces FILE.csv is required.") : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var summary = ChainSummary.Compute(ReadTraces(settings.Traces!));
        var trust = summary.TrustLevel();
        if (settings.Json)
        {
            var doc = new JsonObject
            {
                ["rhat"] = Number(summary.RHat), ["ess_bulk"] = Number(summary.EssBulk), ["ess_tail"] = Number(summary.EssTail),
                ["mcse_mean"] = Number(summary.McseMean), ["mean"] = Number(summary.Mean), ["chains"] = summary.Chains, ["draws"] = summary.Draws,
                ["trust"] = trust.ToString(), ["verdict"] = summary.Verdict(),
            };
            Console.Out.WriteLine(doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        var table = new Table().Border(TableBorder.Rounded).AddColumns("R̂", "bulk-ESS", "tail-ESS", "mean", "MCSE", "chains × draws");
        table.AddRow($"{summary.RHat:F3}", $"{summary.EssBulk:F0}", $"{summary.EssTail:F0}", $"{summary.Mean:G6}", $"{summary.McseMean:G3}", $"{summary.Chains} × {summary.Draws}");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(Markup.Escape(summary.Verdict()));
        return 0;
    }

    /// <summary>JSON has no ∞: an infinite R̂ (chains constant within, different between) is written as null.</summary>
    private static JsonNode? Number(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;

    /// <summary>Reads chains from a chain,draw,value CSV; every defect is an <see cref="InvalidDataException"/> naming the line.</summary>
    internal static double[][] ReadTraces(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Traces file '{path}' does not exist.", path);
        using var reader = new StreamReader(path);
        var header = (reader.ReadLine() ?? "").Split(',').Select(h => h.Trim().ToLowerInvariant()).ToList();
        int Column(params string[] names)
        {
            var found = names.Where(header.Contains).ToArray();
            if (found.Length == 1) return header.IndexOf(found[0]);
            throw new InvalidDataException(found.Length == 0
                ? $"{path}, line 1: no column {string.Join(" or ", names)} in the header (expected chain,draw,value)."
                : $"{path}, line 1: both columns {string.Join(" and ", found)}; keep one.");
        }
        int chainAt = Column("chain"), drawAt = Column("draw"), valueAt = Column("value", "excess");
        var chains = new SortedDictionary<long, SortedDictionary<long, (double Value, int Line)>>();
        int line = 1;
        for (string? text; (text = reader.ReadLine()) is not null;)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            var cells = text.Split(',');
            string Cell(int i) => i < cells.Length ? cells[i].Trim()
                : throw new InvalidDataException($"{path}, line {line}: {cells.Length} fields, the header has {header.Count}.");
            long Integer(int i) => long.TryParse(Cell(i), NumberStyles.Integer, CultureInfo.InvariantCulture, out long v)
                ? v : throw new InvalidDataException($"{path}, line {line}: {header[i]} '{Cell(i)}' is not an integer.");
            long chain = Integer(chainAt), draw = Integer(drawAt);
            if (!double.TryParse(Cell(valueAt), NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
                throw new InvalidDataException($"{path}, line {line}: {header[valueAt]} '{Cell(valueAt)}' is not a finite number.");
            if (!chains.TryGetValue(chain, out var draws)) chains[chain] = draws = [];
            if (draws.TryGetValue(draw, out var earlier))
                throw new InvalidDataException($"{path}, line {line}: chain {chain}, draw {draw} already appeared on line {earlier.Line}.");
            draws[draw] = (value, line);
        }
        if (chains.Count == 0) throw new InvalidDataException($"{path}: no draws after the header.");
        var first = chains.First();
        foreach (var (chain, draws) in chains)
            if (draws.Count != first.Value.Count)
                throw new InvalidDataException($"{path}, line {draws.Values.Min(d => d.Line)}: ragged chains: chain {chain} has {draws.Count} draws, chain {first.Key} has {first.Value.Count}.");
        if (first.Value.Count < 4)
            throw new InvalidDataException($"{path}: {chains.Count} chain(s) of {first.Value.Count} draw(s); the split diagnostics need at least 4 draws per chain.");
        return chains.Values.Select(d => d.Values.Select(v => v.Value).ToArray()).ToArray();
    }
}
