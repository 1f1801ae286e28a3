using Slt.Phases;

namespace Slt.Tests.Phases;

/// <summary>The sweeps shipped in data/results read back for the default settings (what notebook 06 calls), with the
/// shapes the docs describe; their figures serialize.</summary>
public sealed class ShippedSweepTests
{
    [Fact]
    public void ShippedDataSweepReadsBack()
    {
        var data = DataSweep.ShippedDefault();
        Assert.NotNull(data);
        Assert.True(data.Shipped);
        Assert.Equal(21, data.Rows.Count);
        Assert.Equal(9, data.Summary().Count);
        Assert.All(data.Summary(), s => Assert.Equal(3, s.Gain.Seeds));
        Assert.Equal(21 * 9, (int)data.GainTable().Rows.Count);
        Assert.Contains("\"kind\":\"line\"", data.ToFigure().ToJson());
    }

    [Fact]
    public void ShippedArchitectureSweepsReadBack()
    {
        var arch = ArchitectureSweep.ShippedDefault();
        Assert.NotNull(arch);
        Assert.Equal(24, arch.Rows.Count);
        var small = ArchitectureSweep.ShippedSmallWidths();
        Assert.NotNull(small);
        Assert.Equal(40, small.Rows.Count);
        Assert.Equal(20, small.Summary().Count);
        Assert.All(small.Frontier(), p => Assert.NotNull(p.Architecture));
        Assert.Equal(4, small.ToFigure().Traces.Count);
        Assert.Contains("parameters", small.ToFigure().ToJson());
    }
}
