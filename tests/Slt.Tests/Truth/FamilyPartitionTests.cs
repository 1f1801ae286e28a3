using Slt.Truth;

namespace Slt.Tests.Truth;

public sealed class FamilyPartitionTests
{
    private static readonly TrueDistribution Truth = new(CorpusSpec.Default);

    [Fact]
    public void EveryWindowGoesToTheFamilyOfItsWordsAndTask()
    {
        var sample = new CorpusGenerator(Truth).Sample(300, seed: 5);
        var split = FamilyPartition.Of(sample);
        Assert.Equal(sample.Count, split.CountOf(0) + split.CountOf(1));
        Assert.True(split.CountOf(0) > 50 && split.CountOf(1) > 50);
        for (int f = 0; f < 2; f++)
        {
            var part = split.SampleOf(f);
            Assert.Equal(split.CountOf(f), part.Count);
            for (int j = 0; j < part.Count; j++)
            {
                Assert.True(part.Window(j).SequenceEqual(sample.Window(split.WindowsOf(f)[j])));
                foreach (int token in part.Window(j)) Assert.True(Truth.Vocabulary.FamilyOf[token] is -1 || Truth.Vocabulary.FamilyOf[token] == f);
                Assert.Equal(f, Truth.Tasks[part.TasksOf(j)[0]].Family);
            }
        }
        Assert.Equal(split.CountOf(1) / Math.Log(300), split.PartNBeta(1), 12);
        Assert.Equal(split.PartNBeta(0) + split.PartNBeta(1), split.WholeNBeta, 12);
    }

    [Fact]
    public void WithoutLabelsTheWordsDecide()
    {
        var sample = new CorpusGenerator(Truth).Sample(100, seed: 6);
        var text = WindowSample.FromText(sample.ToText(), Truth.Vocabulary, sample.ContextLength);
        var byWords = FamilyPartition.Of(text);
        var byBoth = FamilyPartition.Of(sample);
        Assert.Equal(byBoth.FamilyOfWindow, byWords.FamilyOfWindow);
    }

    [Fact]
    public void AWindowMixingFamiliesIsRefusedByName()
    {
        var v = Truth.Vocabulary;
        var words = Enumerable.Repeat("and", 31).Prepend("cat").ToArray();
        words[5] = "toyota";
        var sample = WindowSample.FromText(string.Join(' ', words) + "\n", v, 32);
        var e = Assert.Throws<ArgumentException>(() => FamilyPartition.Of(sample));
        Assert.Contains("two families", e.Message);
        Assert.Contains("Window 0", e.Message);
        var bursty = new CorpusGenerator(new TrueDistribution(CorpusSpec.Default with { Burstiness = 0.5 })).Sample(200, seed: 1);
        Assert.Throws<ArgumentException>(() => FamilyPartition.Of(bursty));
    }

    [Fact]
    public void FamiliesAreFoundByNameAndBadIndicesNamed()
    {
        var split = FamilyPartition.Of(new CorpusGenerator(Truth).Sample(20, seed: 2));
        Assert.Equal(1, split.FamilyIndex("zoo"));
        Assert.Contains("garage", Assert.Throws<ArgumentException>(() => split.FamilyIndex("farm")).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => split.CountOf(2));
    }
}
