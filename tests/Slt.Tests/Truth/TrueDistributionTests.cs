using Slt.Truth;

namespace Slt.Tests.Truth;

public sealed class TrueDistributionTests
{
    /// <summary>A small spec whose Bayes mixture can be checked against brute-force sums over task paths.</summary>
    private static CorpusSpec Small(double burstiness, bool markers = false) => new(
        "small", 5, 6,
        [new TokenFamily("a", ["a1", "a2", "a3"], ["n1", "n2", "n3"]), new TokenFamily("b", ["b1", "b2"], ["m1", "m2"])],
        ["and"], TasksPerFamily: 2, ZipfExponent: 1, Burstiness: burstiness, TaskConcentration: 0.5, SharedWeight: 0.2,
        ConnectiveProbability: 0.4, SampleWindows: 8, FamilyMarkers: markers);

    [Fact]
    public void ConditionalsAreProbabilityDistributions()
    {
        var truth = new TrueDistribution(CorpusSpec.Default);
        var sample = new CorpusGenerator(truth).Sample(50, 3);
        int v = truth.Vocabulary.Count, c = truth.ContextLength;
        var q = new double[c * v];
        for (int w = 0; w < sample.Count; w++)
        {
            truth.Filter(sample.Window(w), q);
            for (int i = 0; i < c; i++)
            {
                var row = q.AsSpan(i * v, v);
                double sum = 0;
                foreach (double p in row) { Assert.True(p >= 0); sum += p; }
                Assert.Equal(1.0, sum, 12);
            }
        }
    }

    [Theory]
    [InlineData(1.0, false)]
    [InlineData(0.7, false)]
    [InlineData(1.0, true)]
    public void BayesMixtureMatchesBruteForceSumOverTaskPaths(double burstiness, bool markers)
    {
        // q(t_{l+1} | t_1..t_l) = P(t_1..t_{l+1}) / P(t_1..t_l), each joint summed over every path of hidden tasks.
        var truth = new TrueDistribution(Small(burstiness, markers));
        var sample = new CorpusGenerator(truth).Sample(6, 11);
        int v = truth.Vocabulary.Count, k = truth.TaskCount;
        double b = burstiness;
        double Joint(int[] seq)
        {
            double total = 0;
            int paths = (int)Math.Pow(k, seq.Length);
            for (int code = 0; code < paths; code++)
            {
                int[] task = new int[seq.Length];
                for (int i = 0, c = code; i < seq.Length; i++, c /= k) task[i] = c % k;
                double p = truth.Prior[task[0]] * truth.Initial(task[0], seq[0]);
                for (int i = 1; i < seq.Length && p > 0; i++)
                {
                    double stay = (task[i] == task[i - 1] ? b : 0) + (1 - b) * truth.Prior[task[i]];
                    p *= stay * truth.Transition(task[i], seq[i - 1], seq[i]);
                }
                total += p;
            }
            return total;
        }
        for (int w = 0; w < sample.Count; w++)
        {
            int[] window = sample.Window(w).ToArray();
            for (int l = 1; l <= 4; l++)
            {
                var prefix = window[..l];
                double[] q = truth.Conditional(prefix);
                double denominator = Joint(prefix);
                for (int s = 0; s < v; s++)
                    Assert.Equal(Joint([.. prefix, s]) / denominator, q[s], 12);
            }
        }
    }

    [Fact]
    public void SameSeedGivesSameCorpusBytesAndTheShippedSampleIsCurrent()
    {
        var truth = new TrueDistribution(CorpusSpec.Load(RepositoryPaths.Path("data", "default.corpus.json")));
        string first = new CorpusGenerator(truth).SpecSample().ToText();
        string second = new CorpusGenerator(new TrueDistribution(CorpusSpec.Default)).SpecSample().ToText();
        Assert.Equal(first, second);
        string shipped = File.ReadAllText(RepositoryPaths.Path("data", "default.sample.txt"));
        Assert.True(shipped == first,
            "data/default.sample.txt differs from the spec's sample; regenerate it with `slt corpus --spec data/default.corpus.json --out data/default.sample.txt`.");
        string other = new CorpusGenerator(truth).Sample(truth.Spec.SampleWindows, truth.Spec.Seed + 1).ToText();
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void FamilyMarkerNamesTheFamilyButNotTheTask()
    {
        var spec = CorpusSpec.Default with { FamilyMarkers = true };
        var truth = new TrueDistribution(spec);
        var sample = new CorpusGenerator(truth).Sample(20, 4);
        for (int w = 0; w < sample.Count; w++)
        {
            int family = truth.Tasks[sample.TasksOf(w)[0]].Family;
            Assert.Equal(Vocabulary.MarkerOf(spec.Families[family].Name), truth.Vocabulary.Tokens[sample.Window(w)[0]]);
            Assert.DoesNotContain(sample.Window(w)[1..].ToArray(), t => truth.Vocabulary.Roles[t] == TokenRole.Marker);
        }
        double[] posterior = truth.TaskPosterior([truth.Vocabulary.Id("<zoo>")]);
        double zooMass = truth.Tasks.Where(t => t.Family == 1).Sum(t => t.Prior);
        foreach (var task in truth.Tasks)
            Assert.Equal(task.Family == 1 ? task.Prior / zooMass : 0, posterior[task.Index], 12);
    }

    [Fact]
    public void TextFormatRoundTrips()
    {
        var truth = new TrueDistribution(CorpusSpec.Default);
        var sample = new CorpusGenerator(truth).Sample(10, 2);
        var back = WindowSample.FromText(sample.ToText(), truth.Vocabulary, truth.ContextLength);
        Assert.Equal(sample.ToText(), back.ToText());
        var e = Assert.Throws<InvalidDataException>(() => WindowSample.FromText("red toyota\n", truth.Vocabulary, truth.ContextLength, "x.txt"));
        Assert.Contains("x.txt line 1", e.Message);
    }

    [Fact]
    public void SequenceImpossibleUnderTheTruthGivesClearError()
    {
        var truth = new TrueDistribution(CorpusSpec.Default);
        // Two adjectives in a row never happen (adjective → noun), and families never mix without task switches.
        var e = Assert.Throws<ArgumentException>(() => truth.Conditional(truth.Vocabulary.Encode("red blue")));
        Assert.Contains("probability zero", e.Message);
    }

    [Fact]
    public void FamiliesUseDisjointTokens()
    {
        var truth = new TrueDistribution(CorpusSpec.Default);
        foreach (var task in truth.Tasks)
            for (int t = 0; t < truth.Vocabulary.Count; t++)
                if (task.Emission[t] > 0)
                    Assert.True(truth.Vocabulary.FamilyOf[t] == task.Family || truth.Vocabulary.FamilyOf[t] == -1);
        Assert.Equal(1.0, truth.Tasks.Sum(t => t.Prior), 12);
        Assert.True(truth.Tasks[0].Prior > truth.Tasks[^1].Prior * 50, "Zipf(1) over 128 tasks: the head is much more frequent than the tail.");
    }
}
