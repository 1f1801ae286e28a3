using System.ComponentModel;
using Slt.Notebooks;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary><c>slt reproduce</c>: re-execute every notebook and write the offline HTML write-ups.</summary>
internal sealed class ReproduceCommand : AsyncCommand<ReproduceCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--notebooks <DIR>")]
        [Description("Folder of .ipynb/.dib notebooks, run in file-name order (default: notebooks).")]
        public string Notebooks { get; init; } = "notebooks";

        [CommandOption("--out <DIR>")]
        [Description("Where to write the executed notebooks, one HTML page each, and index.html (default: artifacts).")]
        public string Out { get; init; } = "artifacts";

        [CommandOption("--only <NAME>")]
        [Description("Run one notebook: its file name, with or without extension, or a unique prefix such as 00.")]
        public string? Only { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var options = new ReproduceOptions(settings.Notebooks, settings.Out, settings.Only);
        AnsiConsole.MarkupLine($"Running notebooks in [bold]{Markup.Escape(options.NotebooksFolder)}[/], writing to [bold]{Markup.Escape(options.OutputFolder)}[/]");
        var progress = new SynchronousProgress(Report);
        var result = await Reproduction.RunAsync(options, progress, cancellationToken);

        var table = new Table().Border(TableBorder.Rounded).AddColumn("notebook").AddColumn("status").AddColumn(new TableColumn("time").RightAligned());
        foreach (var run in result.Runs)
            table.AddRow(Markup.Escape(run.Name), run.Succeeded ? "[green]succeeded[/]" : $"[red]failed at cell {run.FailedCell!.Index + 1}[/]",
                $"{run.Duration.TotalSeconds:F1} s");
        AnsiConsole.Write(table);
        foreach (var run in result.Runs.Where(r => !r.Succeeded))
        {
            var cell = run.FailedCell!;
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(run.Name)}, cell {cell.Index + 1}:");
            AnsiConsole.WriteLine(Indent(cell.Source));
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(cell.Error ?? "")}[/]");
        }
        AnsiConsole.MarkupLine($"Write-ups: [link]{Markup.Escape(result.IndexPath)}[/]");
        return result.Succeeded ? 0 : 1;
    }

    private static void Report(ReproduceProgress p)
    {
        if (p.Finished is { } run)
        {
            AnsiConsole.MarkupLine(run.Succeeded
                ? $"  [green]done[/] in {run.Duration.TotalSeconds:F1} s"
                : $"  [red]failed[/] at cell {run.FailedCell!.Index + 1} after {run.Duration.TotalSeconds:F1} s");
            // Where the time went, for authors keeping a chapter within the main job's budget.
            var slowest = run.Cells.Where(c => c.Duration.TotalSeconds >= 1).OrderByDescending(c => c.Duration).Take(3).ToArray();
            if (slowest.Length > 0)
                AnsiConsole.MarkupLine("  slowest cells: " + string.Join(", ", slowest.Select(c => $"{c.Index + 1} ({c.Duration.TotalSeconds:F1} s)")));
        }
        else if (p.Cell is null)
            AnsiConsole.MarkupLine($"[bold][[{p.NotebookIndex + 1}/{p.NotebookCount}]] {Markup.Escape(p.Notebook)}[/]");
        else if (!p.Cell.Finished)
            AnsiConsole.MarkupLine($"  cell {p.Cell.CellIndex + 1}/{p.Cell.CellCount} ...");
    }

    private static string Indent(string source)
    {
        var lines = source.Split('\n');
        var shown = lines.Take(15).Select(l => "    " + l.TrimEnd('\r'));
        return string.Join('\n', shown) + (lines.Length > 15 ? $"\n    ... ({lines.Length - 15} more lines)" : "");
    }

    private sealed class SynchronousProgress(Action<ReproduceProgress> report) : IProgress<ReproduceProgress>
    {
        public void Report(ReproduceProgress value) => report(value);
    }
}
