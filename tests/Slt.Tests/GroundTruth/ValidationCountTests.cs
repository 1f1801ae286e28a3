using Slt.GroundTruth;

namespace Slt.Tests.GroundTruth;

public sealed class ValidationCountTests
{
    private static ValidationRow Row(double? tolerance, bool passed, bool informative = false) =>
        new("g", "c", 1, 0.1, 1, tolerance, passed, "v", 0) { Informative = informative };

    [Fact]
    public void InformativeRowsAreNeverCountedAsPassed()
    {
        // An informative row carries Passed = true (it cannot fail); it must be counted as informative only.
        var rows = new[] { Row(0.05, true), Row(0.05, false), Row(null, true, informative: true), Row(null, true, informative: true), Row(null, false) };
        Assert.Equal((1, 2, 2), ValidationSuite.Count(rows));
    }
}
