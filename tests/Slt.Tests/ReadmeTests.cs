using System.Text.RegularExpressions;

namespace Slt.Tests;

/// <summary>The README a newcomer reads first: the quick start stays two commands, and its links lead somewhere.</summary>
public sealed partial class ReadmeTests
{
    private static readonly string Readme = File.ReadAllText(RepositoryPaths.Path("README.md"));

    [Fact]
    public void QuickStartIsTwoCommandsAfterCloning()
    {
        var section = Regex.Match(Readme, @"(?ms)^## Quick start\n(.*?)(?=^## )");
        Assert.True(section.Success, "README has no '## Quick start' section.");
        var block = Regex.Match(section.Groups[1].Value, @"(?ms)^```bash\n(.*?)^```");
        Assert.True(block.Success, "The quick start has no bash block.");
        var commands = block.Groups[1].Value.Split('\n')
            .Select(line => Regex.Replace(line, @"\s+#.*$", "").Trim()).Where(line => line.Length > 0).ToList();
        Assert.Equal(["./slt reproduce", "dotnet test Workbook.sln"], commands);
        // The science and the quick start come before the platform's internals.
        Assert.True(Readme.IndexOf("## Quick start", StringComparison.Ordinal) < Readme.IndexOf("## Platform notes", StringComparison.Ordinal));
        Assert.DoesNotContain("vna_flags", Readme);
    }

    [Fact]
    public void RelativeLinksPointAtFilesThatExist()
    {
        var missing = RelativeLink().Matches(Readme).Select(m => m.Groups["path"].Value)
            .Where(path => !File.Exists(RepositoryPaths.Path(path)) && !Directory.Exists(RepositoryPaths.Path(path))).ToList();
        Assert.Empty(missing);
        Assert.Contains("no longer developed upstream", Readme);
    }

    [GeneratedRegex(@"\]\((?<path>(?!https?:|#)[^)#\s]+)(#[^)]*)?\)")]
    private static partial Regex RelativeLink();
}
