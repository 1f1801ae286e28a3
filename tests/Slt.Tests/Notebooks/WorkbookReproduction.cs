using Slt.Notebooks;

namespace Slt.Tests.Notebooks;

/// <summary>
/// Tests that run notebooks in this process. The runner sets the current directory to each notebook's folder, so
/// these tests run alone (not in parallel with other collections).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NotebookCollection : ICollectionFixture<WorkbookReproduction>
{
    public const string Name = "notebooks run in-process";
}

/// <summary>
/// Runs <c>slt reproduce</c>'s library entry point once over every notebook under <c>notebooks/</c> into a temporary
/// folder; the tests read its result and its files. Set <c>SLT_KEEP_WRITEUPS=1</c> to keep the folder.
/// </summary>
public sealed class WorkbookReproduction : IAsyncLifetime
{
    public string OutputFolder { get; } = Path.Combine(Path.GetTempPath(), "slt-writeups-" + Guid.NewGuid().ToString("N")[..8]);

    public ReproduceResult Result { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // libtorch's thread count is process-wide and other test classes leave it at one (tiny models run fastest so);
        // this collection runs alone, so give the notebooks every core, as `slt reproduce` has them.
        Slt.Platform.TorchRuntime.Initialize(Environment.ProcessorCount);
        Result = await Reproduction.RunAsync(new ReproduceOptions(RepositoryPaths.Path("notebooks"), OutputFolder));
    }

    public Task DisposeAsync()
    {
        if (Environment.GetEnvironmentVariable("SLT_KEEP_WRITEUPS") != "1" && Directory.Exists(OutputFolder))
            Directory.Delete(OutputFolder, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>The workbook's notebooks, enumerated from the folder (chapters added later are picked up).</summary>
public static class WorkbookNotebooks
{
    public static IEnumerable<object[]> Names() =>
        NotebookFile.InFolder(RepositoryPaths.Path("notebooks")).Select(p => new object[] { Path.GetFileName(p) });
}
