using System.Reflection;

namespace Slt.Cli;

internal static class CliInfo
{
    public static string Version =>
        typeof(CliInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
