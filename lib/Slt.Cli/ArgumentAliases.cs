namespace Slt.Cli;

/// <summary>
/// Accepts the one-letter long options the documented commands use (<c>--t 1000</c>, <c>--n 100000</c>), which
/// Spectre.Console.Cli refuses to declare (long names need two characters): they are rewritten to
/// <c>--temperature</c> and <c>--sample-size</c> before parsing.
/// </summary>
internal static class ArgumentAliases
{
    private static readonly Dictionary<string, string> Aliases = new() { ["--t"] = "--temperature", ["--n"] = "--sample-size" };

    public static string[] Expand(string[] args) => args.Select(a =>
    {
        foreach (var (alias, name) in Aliases)
        {
            if (a == alias) return name;
            if (a.StartsWith(alias + "=", StringComparison.Ordinal)) return name + a[alias.Length..];
        }
        return a;
    }).ToArray();
}
