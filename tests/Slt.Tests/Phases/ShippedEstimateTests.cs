using Slt.Configuration;
using Slt.Phases;

namespace Slt.Tests.Phases;

/// <summary>The shipped estimates: read back for their settings, never for others, and <see cref="ShippedResults.ReadOrCompute{T}(string, string, Func{T}, bool, string?)"/>.</summary>
public sealed class ShippedEstimateTests
{
    [Fact]
    public void TheShippedEstimatesReadBackForTheirSettingsOnly()
    {
        var pair = RegionTransitionEstimate.ShippedOrRun(RegionTransition.Default);
        Assert.True(pair.Shipped, "data/results holds no estimate for the default pair at the default settings: run slt phases transition --estimate --ship");
        // The exact values it carries are the exact values this code computes (the pair has not changed since it was shipped).
        foreach (var p in pair.Points)
            Assert.Equal(RegionTransition.Default.Simple.FreeEnergy(p.N), p.SimpleExact, 9);
        Assert.True(NoisyTransitionEstimate.ShippedOrRun().Shipped, "data/results holds no noisy estimate: run slt phases transition --noisy --noisy-estimate --ship");
        Assert.Null(ShippedResults.TryRead<RegionTransitionEstimate>("region-transition", RegionTransitionEstimate.Key(RegionTransition.Quartic, 5, 128, 1)));
    }

    [Fact]
    public void ReadOrComputeWritesOnlyWhenShippingAndReadsOnlyWhenNot()
    {
        string folder = Directory.CreateTempSubdirectory("slt-shipped-").FullName;
        try
        {
            int calls = 0;
            string[] Compute() { calls++; return [$"run {calls}"]; }
            var (first, shipped1) = ShippedResults.ReadOrCompute("t", "k", Compute, ship: false, folder);
            Assert.False(shipped1);
            Assert.Empty(Directory.GetFiles(folder));
            var (second, shipped2) = ShippedResults.ReadOrCompute("t", "k", Compute, ship: true, folder);
            Assert.False(shipped2);
            Assert.Single(Directory.GetFiles(folder));
            var (third, shipped3) = ShippedResults.ReadOrCompute("t", "k", Compute, ship: false, folder);
            Assert.True(shipped3);
            Assert.Equal(second, third);
            Assert.Equal(2, calls);
            Assert.NotEqual(first, second);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}
