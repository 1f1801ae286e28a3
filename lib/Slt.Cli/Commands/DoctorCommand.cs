using System.ComponentModel;
using System.Runtime.InteropServices;
using Slt.Platform;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary><c>slt doctor</c>: is this machine ready to run the workbook?</summary>
internal sealed class DoctorCommand : Command<DoctorCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--threads <N>")]
        [Description("Threads for libtorch (default: SLT_THREADS, else libtorch's choice).")]
        public int? Threads { get; init; }

        public override ValidationResult Validate() =>
            Threads is <= 0 ? ValidationResult.Error($"--threads must be a positive integer, got {Threads}.") : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("check").AddColumn("result");
        bool ok = true;
        void Row(string name, string value, bool good = true)
        {
            ok &= good;
            table.AddRow(Markup.Escape(name), good ? Markup.Escape(value) : $"[red]{Markup.Escape(value)}[/]");
        }

        Row(".NET runtime", $"{RuntimeInformation.FrameworkDescription} ({RuntimeInformation.RuntimeIdentifier})");
        Row("slt", CliInfo.Version);

        var fix = LibStdCxxCompatibility.EnsureTorchSharpLoadable();
        Row("system libstdc++", fix.SystemLibStdCxx ?? "not found");
        Row("libstdc++ fix needed", fix.Needed ? $"yes (system lacks {LibStdCxxCompatibility.MissingVersion})" : "no");
        if (fix.Needed)
        {
            int failed = fix.Files.Count(f => f.Action == CompatibilityAction.Failed);
            Row("libstdc++ fix in place", fix.InPlace
                ? $"yes ({fix.Files.Count} cop{(fix.Files.Count == 1 ? "y" : "ies")} of {LibStdCxxCompatibility.TorchSharpNative} checked, listed below)"
                : $"no: {failed} of {fix.Files.Count} copies could not be fixed (below)", fix.InPlace);
        }

        string? failure = null;
        try
        {
            var device = TorchRuntime.Initialize(settings.Threads);
            Row("TorchSharp", TorchRuntime.TorchSharpVersion);
            Row("libtorch", TorchRuntime.LibTorchVersion);
            Row("backend built for", TorchRuntime.BuiltForCuda ? "cuda" : "cpu");
            Row("CUDA available", TorchRuntime.BuiltForCuda ? TorchSharp.torch.cuda.is_available().ToString() : "n/a (cpu build)");
            Row("device", device.ToString());
            Row("threads", TorchRuntime.Threads.ToString());
            var check = TorchSmokeTest.Run(device);
            Row("forward/backward", check.Message, check.Passed);
        }
        catch (InvalidOperationException e)
        {
            failure = e.Message;
            Row("torch", "failed to load", false);
        }

        AnsiConsole.Write(table);
        if (fix.Files.Count > 0)
        {
            var copies = new Table().Border(TableBorder.Simple).AddColumn("copy").AddColumn("state");
            foreach (var f in fix.Files)
            {
                string state = f.Action switch
                {
                    CompatibilityAction.Fixed => "fixed now",
                    CompatibilityAction.AlreadyFixed => "already fixed",
                    CompatibilityAction.Unaffected => "does not need the fix",
                    _ => $"[red]FAILED: {Markup.Escape(f.Error ?? "")}[/]",
                };
                copies.AddRow(Markup.Escape(f.Path), state);
            }
            AnsiConsole.Write(copies);
        }
        if (failure is not null) AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(failure)}");
        AnsiConsole.MarkupLine(ok ? "[green]torch works: the workbook can run here.[/]" : "[red]something is wrong: see the red rows above.[/]");
        return ok ? 0 : 1;
    }
}
