using Slt.Phases;
using Slt.Training;
using Slt.Truth;

namespace Slt.Tests.Phases;

/// <summary>The sweeps' settings: bad fields refused with the field named; the default corpus shared by the three knobs
/// (seven corpora, not nine); the default corpus at seed 1 is the default recipe (the notebooks' model), and the
/// architecture sweep's two-layer d = 64 and linear d = 32 are the default and linear-attention recipes.</summary>
public sealed class SweepSettingsTests
{
    [Theory]
    [InlineData("ZipfExponents")]
    [InlineData("Burstiness")]
    [InlineData("TaskCounts")]
    [InlineData("Seeds")]
    [InlineData("Steps")]
    [InlineData("ProbeWindows")]
    [InlineData("HeadShare")]
    public void DataSweepRefusesBadFields(string field)
    {
        var bad = field switch
        {
            "ZipfExponents" => new DataSweepSettings(ZipfExponents: [-1]),
            "Burstiness" => new DataSweepSettings(Burstiness: [0]),
            "TaskCounts" => new DataSweepSettings(TaskCounts: [1]),
            "Seeds" => new DataSweepSettings(Seeds: [1, 1]),
            "Steps" => new DataSweepSettings(Steps: 0),
            "ProbeWindows" => new DataSweepSettings(ProbeWindows: 10),
            _ => new DataSweepSettings(HeadShare: 1),
        };
        var e = Assert.ThrowsAny<ArgumentException>(() => bad.Validate());
        Assert.Equal(field, e.ParamName);
        Assert.Contains(field[..4], e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("Kinds")]
    [InlineData("Widths")]
    [InlineData("Seeds")]
    public void ArchitectureSweepRefusesBadFields(string field)
    {
        var bad = field switch
        {
            "Kinds" => new ArchitectureSweepSettings(Kinds: ["three-layer"]),
            "Widths" => new ArchitectureSweepSettings(Widths: [18]),
            _ => new ArchitectureSweepSettings(Seeds: []),
        };
        var e = Assert.ThrowsAny<ArgumentException>(() => bad.Validate());
        Assert.Equal(field, e.ParamName);
    }

    [Fact]
    public void DataSweepSharesTheDefaultCorpusAndRecipe()
    {
        var s = DataSweepSettings.Default.Validate();
        var corpora = s.Corpora();
        Assert.Equal(7, corpora.Count);
        Assert.Single(corpora, c => c.ContentHash() == CorpusSpec.Default.ContentHash());
        Assert.Equal(TrainingRunConfig.Default.ContentHash(), s.Recipe(CorpusSpec.Default, 1).ContentHash());
        Assert.All(corpora, c => Assert.Equal(CorpusSpec.Default.Seed, c.Seed));
        Assert.NotEqual(s.Key(), (s with { Seeds = [1, 2] }).Key());
    }

    [Fact]
    public void ArchitectureSweepContainsTheDefaultAndLinearRecipes()
    {
        var s = ArchitectureSweepSettings.Default.Validate();
        Assert.Equal(TrainingRunConfig.Default.ContentHash(), s.Recipe("two-layer", 64, 1).ContentHash());
        Assert.Equal(TrainingRunConfig.LinearAttention.ContentHash(), s.Recipe("linear", 32, 1).ContentHash());
        var hashes = s.ArchitectureKinds.SelectMany(k => s.ModelWidths.Select(w => s.Recipe(k, w, 1).ContentHash())).ToArray();
        Assert.Equal(12, hashes.Distinct().Count());
        Assert.False(s.Recipe("attention-only", 16, 1).Model.Mlp);
        var small = ArchitectureSweepSettings.SmallWidths.Validate();
        Assert.Equal(1, small.Recipe("linear", 4, 1).Model.HeadDimension);
        Assert.NotEqual(s.Key(), small.Key());
    }
}
