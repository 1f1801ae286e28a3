using System.ComponentModel;
using System.Runtime.InteropServices;
using Slt.Platform;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary><c>slt doctor</c>: is this machine ready to run the workbook? <c>slt doctor --fix</c> also applies the Linux
/// libstdc++ fix (<see cref="LibStdCxxCompatibility"/>) where it is needed; without <c>--fix</c> nothing is written.</summary>
internal sealed class DoctorCommand : Command<DoctorCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--threads <N>")]
        [Description("Threads for libtorch (default: SLT_THREADS, else libtorch's choice).")]
        public int? Threads { get; init; }

        [CommandOption("--fix")]
        [Description("Linux: apply the libstdc++ compatibility fix (mark GLIBCXX_3.4.32 weak in TorchSharp's native library) where this system needs it. Without --fix, doctor only reports. The first run of any other verb applies it too, saying so.")]
        public bool Fix { get; init; }

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

        // Without --fix: a survey that writes nothing. With it: the fix, announced on stderr where it writes.
        var fix = settings.Fix ? TorchRuntime.PrepareNativeLibrary() : LibStdCxxCompatibility.Survey();
        int pending = fix.Files.Count(f => f.Action == CompatibilityAction.Pending);
        Row("system libstdc++", fix.SystemLibStdCxx ?? "not found");
        Row("libstdc++ fix needed", fix.Needed ? $"yes (system lacks {LibStdCxxCompatibility.MissingVersion})" : "no");
        if (fix.Needed)
        {
            int failed = fix.Files.Count(f => f.Action == CompatibilityAction.Failed);
            Row("libstdc++ fix in place", fix.InPlace
                ? $"yes ({fix.Files.Count} cop{(fix.Files.Count == 1 ? "y" : "ies")} of {LibStdCxxCompatibility.TorchSharpNative} checked, listed below)"
                : pending > 0 ? $"no: {pending} of {fix.Files.Count} copies need it; run `slt doctor --fix` (the first run of any verb also applies it)"
                : $"no: {failed} of {fix.Files.Count} copies could not be fixed (below)", fix.InPlace);
        }

        string? failure = null;
        if (pending > 0) failure = "torch was not loaded: TorchSharp's native library would not load until the libstdc++ fix is applied (slt doctor --fix).";
        else try
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
                    CompatibilityAction.Pending => "[red]needs the fix (slt doctor --fix)[/]",
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
