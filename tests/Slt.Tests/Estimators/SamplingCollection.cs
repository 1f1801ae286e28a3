namespace Slt.Tests.Estimators;

/// <summary>
/// The sampling tests run one after another: two of them running concurrently in one test host once failed inside
/// libtorch's scalar conversion (an ExternalException from c10::Scalar::toDouble), and they are CPU-bound anyway.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SamplingCollection
{
    public const string Name = "SGLD sampling (sequential)";
}
