namespace Slt.Cli;

/// <summary>
/// Rewrites of the command line before parsing:
/// <list type="bullet">
/// <item>the one-letter long options the documented commands use (<c>--t 1000</c>, <c>--n 100000</c>), which
/// Spectre.Console.Cli refuses to declare (long names need two characters), become <c>--temperature</c> and
/// <c>--sample-size</c>;</item>
/// <item>the deprecated <c>slt llc --model MODEL …</c> (and <c>slt llc …</c> without a model, which meant
/// <c>potential</c>) becomes <c>slt llc MODEL …</c>, with a warning on standard error naming the new spelling. This
/// alias is kept for one release (0.2 removes it).</item>
/// </list>
/// </summary>
internal static class ArgumentAliases
{
    private static readonly Dictionary<string, string> Aliases = new() { ["--t"] = "--temperature", ["--n"] = "--sample-size" };

    /// <summary>The models of <c>slt llc MODEL</c>.</summary>
    internal static readonly string[] LlcModels = ["potential", "dln", "transformer"];

    public static string[] Expand(string[] args) => Expand(args, Console.Error);

    public static string[] Expand(string[] args, TextWriter warnings) => LlcModel(args, warnings).Select(a =>
    {
        foreach (var (alias, name) in Aliases)
        {
            if (a == alias) return name;
            if (a.StartsWith(alias + "=", StringComparison.Ordinal)) return name + a[alias.Length..];
        }
        return a;
    }).ToArray();

    private static string[] LlcModel(string[] args, TextWriter warnings)
    {
        if (args.Length < 2 || args[0] != "llc" || LlcModels.Contains(args[1]) || args[1] is "-h" or "--help" or "-?") return args;
        string? model = null;
        var rest = new List<string>();
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i] == "--model" && i + 1 < args.Length) model = args[++i];
            else if (args[i].StartsWith("--model=", StringComparison.Ordinal)) model = args[i]["--model=".Length..];
            else rest.Add(args[i]);
        }
        if (model is null && !args[1].StartsWith('-')) return args; // an unknown subcommand: let the parser name it
        model ??= "potential";
        if (!LlcModels.Contains(model)) return ["llc", model, .. rest]; // the parser names the unknown model
        warnings.WriteLine(args.Skip(1).Any(a => a == "--model" || a.StartsWith("--model=", StringComparison.Ordinal))
            ? $"slt: warning: `slt llc --model {model}` is deprecated and will be removed in the next release; use `slt llc {model}`."
            : $"slt: warning: `slt llc` without a model is deprecated and will be removed in the next release; use `slt llc potential`.");
        return ["llc", model, .. rest];
    }
}
