using System.ComponentModel;
using System.Text.Json.Nodes;
using Slt.Estimators;
using Slt.GroundTruth;
using Slt.Platform;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary><c>slt validate</c>: the ground-truth suite (estimate, truth, relative error per case).</summary>
internal sealed class ValidateCommand : Command<ValidateCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--json")]
        [Description("Print the rows as JSON.")]
        public bool Json { get; init; }

        [CommandOption("--threads <N>")]
        [Description("libtorch threads (default 1: the suite's tensors are tiny, and one thread is fastest for them).")]
        public int Threads { get; init; } = 1;

        public override ValidationResult Validate() =>
            Threads < 1 ? ValidationResult.Error($"--threads must be ≥ 1, got {Threads}.") : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings o, CancellationToken cancellationToken)
    {
        TorchRuntime.Initialize(o.Threads);
        var progress = o.Json ? null : new Progress.InlineText(s => AnsiConsole.MarkupLine($"[grey]running {Markup.Escape(s)}[/]"));
        var rows = ValidationSuite.Run(progress, cancellationToken);
        var (passed, failed, informative) = ValidationSuite.Count(rows);
        if (o.Json)
        {
            var array = new JsonArray(rows.Select(r => (JsonNode?)new JsonObject
            {
                ["group"] = r.Group, ["case"] = r.Case, ["estimate"] = Num(r.Estimate), ["se"] = Num(r.StandardError),
                ["truth"] = Num(r.Truth), ["relative_error"] = Num(r.RelativeError), ["tolerance"] = Num(r.Tolerance),
                ["result"] = r.Informative ? "informative" : r.Passed ? "passed" : "failed", ["verdict"] = r.Verdict, ["seconds"] = Num(r.Seconds),
            }).ToArray());
            Console.WriteLine(EstimateReport.Format(new JsonObject
            {
                ["passed"] = passed, ["failed"] = failed, ["informative"] = informative, ["rows"] = array,
            }));
        }
        else
        {
            var table = new Table().Border(TableBorder.Rounded)
                .AddColumn("case").AddColumn("estimate").AddColumn("truth").AddColumn("rel. error").AddColumn("tolerance").AddColumn("ok").AddColumn("s");
            foreach (var r in rows)
                table.AddRow(Markup.Escape(r.Case), r.Estimate is double e ? $"{e:F4} ± {r.StandardError:F4}" : "divergent",
                    r.Truth is double t ? $"{t:F4}" : "-", r.RelativeError is double x ? $"{x:P2}" : "-",
                    r.Tolerance is double tol ? $"{tol:P0}" : r.Informative ? "info" : "check", r.Informative ? "info" : r.Passed ? "[green]yes[/]" : "[red]NO[/]", $"{r.Seconds:F0}");
            AnsiConsole.Write(table);
            Console.WriteLine($"{passed} passed, {failed} failed, {informative} informative");
        }
        return failed == 0 ? 0 : 1;
    }

    private static JsonNode? Num(double? v) => v is double d && double.IsFinite(d) ? JsonValue.Create(d) : null;
}
