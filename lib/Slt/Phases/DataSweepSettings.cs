using System.Globalization;
using Slt.Training;
using Slt.Truth;

namespace Slt.Phases;

/// <summary>
/// What <see cref="DataSweep"/> trains and measures: corpora that differ from <see cref="CorpusSpec.Default"/> in one
/// knob at a time (the Zipf exponent α, the burstiness b, the tasks per family), the default architecture, several
/// training seeds each (the corpus seed fixed).
/// </summary>
/// <param name="ZipfExponents">α values (default 0, 1, 1.5), each in [0, 10].</param>
/// <param name="Burstiness">b values (default 1, 0.9, 0.7), each in (0, 1].</param>
/// <param name="TaskCounts">Tasks per family (default 16, 64, 256), each in [2, 256].</param>
/// <param name="Seeds">Training seeds (default 1, 2, 3), distinct.</param>
/// <param name="Steps">Optimizer steps per run, at least 1 (default 1500, the default recipe's).</param>
/// <param name="TrainingWindows">n, the training sample's size, at least 64 (default 65536).</param>
/// <param name="ProbeWindows">Windows of each corpus's probe sample, at least 64 (default 1024).</param>
/// <param name="ProbeSeed">The probe sample's seed (default 2), the same for every run.</param>
/// <param name="HeadShare">The head's share of each family's prior mass, in (0, 1) (default ½).</param>
public sealed record DataSweepSettings(
    IReadOnlyList<double>? ZipfExponents = null,
    IReadOnlyList<double>? Burstiness = null,
    IReadOnlyList<int>? TaskCounts = null,
    IReadOnlyList<long>? Seeds = null,
    int Steps = 1500,
    int TrainingWindows = 65536,
    int ProbeWindows = 1024,
    long ProbeSeed = 2,
    double HeadShare = 0.5)
{
    /// <summary>The defaults.</summary>
    public static DataSweepSettings Default { get; } = new();

    /// <summary>α values used.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<double> Alphas => ZipfExponents ?? [0, 1, 1.5];

    /// <summary>b values used.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<double> Bursts => Burstiness ?? [1, 0.9, 0.7];

    /// <summary>Tasks per family used.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<int> Tasks => TaskCounts ?? [16, 64, 256];

    /// <summary>Seeds used.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<long> TrainingSeeds => Seeds ?? [1, 2, 3];

    /// <summary>Throws a parameter-naming exception for a bad field; returns this otherwise.</summary>
    public DataSweepSettings Validate()
    {
        NonEmptyDistinct(Alphas, nameof(ZipfExponents));
        NonEmptyDistinct(Bursts, nameof(Burstiness));
        NonEmptyDistinct(Tasks, nameof(TaskCounts));
        NonEmptyDistinct(TrainingSeeds, nameof(Seeds));
        foreach (double a in Alphas)
            if (!(a >= 0 && a <= 10)) throw new ArgumentOutOfRangeException(nameof(ZipfExponents), a, "every Zipf exponent must be in [0, 10].");
        foreach (double b in Bursts)
            if (!(b > 0 && b <= 1)) throw new ArgumentOutOfRangeException(nameof(Burstiness), b, "every burstiness must be in (0, 1].");
        foreach (int t in Tasks)
            if (t is < 2 or > 256) throw new ArgumentOutOfRangeException(nameof(TaskCounts), t, "every task count must be in [2, 256] (a head and a tail need two tasks).");
        SweepRecipes.ValidateTraining(Steps, TrainingWindows, ProbeWindows, HeadShare);
        return this;
    }

    internal static void NonEmptyDistinct<T>(IReadOnlyList<T> values, string name)
    {
        if (values.Count == 0) throw new ArgumentException($"{name} must list at least one value.", name);
        if (values.Distinct().Count() != values.Count) throw new ArgumentException($"{name} lists a value twice.", name);
    }

    /// <summary>The corpora: the default corpus with one knob changed to each of its values, each corpus once (the
    /// default corpus is shared by the three knobs), in the order α, b, tasks.</summary>
    public IReadOnlyList<CorpusSpec> Corpora()
    {
        var d = CorpusSpec.Default;
        var all = Alphas.Select(a => d with { ZipfExponent = a })
            .Concat(Bursts.Select(b => d with { Burstiness = b }))
            .Concat(Tasks.Select(t => d with { TasksPerFamily = t }));
        var seen = new HashSet<string>();
        return all.Where(c => seen.Add(c.ContentHash())).Select(c => c.Validate()).ToArray();
    }

    /// <summary>The recipe of one corpus and seed: the default recipe with this corpus, <see cref="Steps"/>,
    /// <see cref="TrainingWindows"/> and the seed.</summary>
    public TrainingRunConfig Recipe(CorpusSpec corpus, long seed) =>
        SweepRecipes.Recipe(TrainingRunConfig.Default with { Corpus = corpus, Model = Model.TransformerConfig.For(corpus) }, Steps, TrainingWindows, seed);

    /// <summary>The probe's part of a cache key.</summary>
    internal string ProbeKey() => SweepRecipes.ProbeKey(ProbeWindows, ProbeSeed, HeadShare);

    /// <summary>Everything that determines the sweep's result, as text (the shipped file's key).</summary>
    public string Key() => string.Create(CultureInfo.InvariantCulture,
        $"phases-data|α={string.Join(",", Alphas.Select(a => a.ToString("R", CultureInfo.InvariantCulture)))}|b={string.Join(",", Bursts.Select(b => b.ToString("R", CultureInfo.InvariantCulture)))}" +
        $"|tasks={string.Join(",", Tasks)}|seeds={string.Join(",", TrainingSeeds)}|{string.Join(",", Corpora().Select(c => c.ContentHash()))}|steps={Steps}|n={TrainingWindows}|{ProbeKey()}");
}
