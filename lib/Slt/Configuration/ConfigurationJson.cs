using System.Text.Json;
using System.Text.Json.Serialization;

namespace Slt.Configuration;

/// <summary>
/// The one JSON dialect of the workbook's configuration files (corpus specs, transformer and training configs):
/// camelCase names, unknown fields rejected (a typo is an error, not a silently ignored setting), comments and
/// trailing commas allowed since people edit these files by hand.
/// </summary>
internal static class ConfigurationJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };
}
