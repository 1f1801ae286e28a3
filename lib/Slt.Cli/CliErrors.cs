using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli;

/// <summary>Turns any failure into a one-paragraph message and a non-zero exit code, never a stack dump.</summary>
internal static class CliErrors
{
    public static int Run(CommandApp app, string[] args)
    {
        try
        {
            return app.Run(args);
        }
        catch (CommandParseException e)
        {
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return 64;
        }
        catch (CommandRuntimeException e)
        {
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return 64;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or FormatException or InvalidDataException or UnauthorizedAccessException)
        {
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            // SLT_TRACE=1 prints where it happened (for reporting a bug).
            if (Environment.GetEnvironmentVariable("SLT_TRACE") == "1") Console.Error.WriteLine(e);
            return 1;
        }
    }
}
