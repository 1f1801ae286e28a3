namespace Slt.Tests;

/// <summary>Locates the repository from a test's output folder (the folder that holds Workbook.sln).</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Workbook.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Workbook.sln not found above {AppContext.BaseDirectory}.");
    }
}
