namespace Slt.Tests.Training;

/// <summary>
/// Training tests fix libtorch to one thread and compare runs bit for bit; they run alone, after the parallel tests, so
/// no other test changes the thread count (and with it the floating-point reduction order) between two runs.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SequentialTorchCollection
{
    public const string Name = "Training runs alone";
}
