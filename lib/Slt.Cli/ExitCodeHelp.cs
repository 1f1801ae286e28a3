using Spectre.Console;
using Spectre.Console.Cli;
using Spectre.Console.Cli.Help;
using Spectre.Console.Rendering;

namespace Slt.Cli;

/// <summary>Spectre's help, followed by the exit codes (<see cref="ExitCodes"/>) on <c>slt --help</c> and on the help of
/// the estimating verbs (<c>slt llc …</c>, <c>slt free-energy</c>).</summary>
internal sealed class ExitCodeHelp(ICommandAppSettings settings) : HelpProvider(settings)
{
    /// <summary>The exit codes, one line each.</summary>
    internal static readonly (int Code, string Meaning)[] Codes =
    [
        (0, "success: for an estimate, one to use (verdict Trustworthy or Use with care)"),
        (1, "bad input: a file, spec or value the command cannot use (the message names it)"),
        (2, "divergent: the sampler diverged and no number is reported"),
        (3, "\"Do not trust\": a number was computed but failed a check (e.g. λ̂ outside 0 ≤ λ ≤ d/2, R̂, step-size bias)"),
        (64, "usage: an unknown verb or option, or an option out of range"),
    ];

    public override IEnumerable<IRenderable> GetFooter(ICommandModel model, ICommandInfo? command)
    {
        foreach (var r in base.GetFooter(model, command)) yield return r;
        if (command is not null && Root(command).Name is not ("llc" or "free-energy")) yield break;
        yield return new Markup(Environment.NewLine + "[yellow]EXIT CODES:[/]" + Environment.NewLine);
        var grid = new Grid().AddColumn(new GridColumn().PadLeft(4).PadRight(2)).AddColumn();
        foreach (var (code, meaning) in Codes) grid.AddRow(new Text(code.ToString()), new Text(meaning));
        yield return grid;
    }

    private static ICommandInfo Root(ICommandInfo c)
    {
        while (c.Parent is ICommandInfo parent) c = parent;
        return c;
    }
}
