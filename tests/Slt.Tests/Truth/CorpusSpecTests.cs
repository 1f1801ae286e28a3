using Slt.Truth;

namespace Slt.Tests.Truth;

public sealed class CorpusSpecTests
{
    [Fact]
    public void ShippedDefaultSpecEqualsTheBuiltInDefault()
    {
        var shipped = CorpusSpec.Load(RepositoryPaths.Path("data", "default.corpus.json"));
        Assert.Equal(CorpusSpec.Default.ToJson(), shipped.ToJson());
    }

    [Fact]
    public void JsonRoundTripsExactly()
    {
        var spec = CorpusSpec.Default with { TasksPerFamily = 5, ZipfExponent = 0.5, Burstiness = 0.9 };
        Assert.Equal(spec.ToJson(), CorpusSpec.FromJson(spec.ToJson()).ToJson());
    }

    [Fact]
    public void UnknownFieldIsRejectedWithItsName()
    {
        string json = CorpusSpec.Default.ToJson().Replace("\"seed\"", "\"seeed\"");
        var e = Assert.Throws<InvalidDataException>(() => CorpusSpec.FromJson(json));
        Assert.Contains("seeed", e.Message);
    }

    [Fact]
    public void MissingFileGivesClearError()
    {
        var e = Assert.Throws<FileNotFoundException>(() => CorpusSpec.Load("/nonexistent/spec.json"));
        Assert.Contains("/nonexistent/spec.json", e.Message);
    }

    [Theory]
    [InlineData("ContextLength")]
    [InlineData("TasksPerFamily")]
    [InlineData("ZipfExponent")]
    [InlineData("Burstiness")]
    [InlineData("TaskConcentration")]
    [InlineData("SharedWeight")]
    [InlineData("ConnectiveProbability")]
    [InlineData("SampleWindows")]
    public void OutOfRangeValueNamesTheParameter(string field)
    {
        var d = CorpusSpec.Default;
        CorpusSpec bad = field switch
        {
            "ContextLength" => d with { ContextLength = 1 },
            "TasksPerFamily" => d with { TasksPerFamily = 0 },
            "ZipfExponent" => d with { ZipfExponent = -1 },
            "Burstiness" => d with { Burstiness = 0 },
            "TaskConcentration" => d with { TaskConcentration = 0 },
            "SharedWeight" => d with { SharedWeight = 1 },
            "ConnectiveProbability" => d with { ConnectiveProbability = 1.5 },
            _ => d with { SampleWindows = 0 },
        };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => bad.Validate());
        Assert.Equal(field, e.ParamName);
    }

    [Fact]
    public void FamiliesMustUseDisjointTokens()
    {
        var d = CorpusSpec.Default;
        var clash = d with { Families = [d.Families[0], d.Families[1] with { Nouns = ["cat", "red"] }] };
        var e = Assert.Throws<ArgumentException>(() => clash.Validate());
        Assert.Contains("'red'", e.Message);
    }
}
