namespace Slt.Truth;

/// <summary>
/// The windows of a sample split by token family: window i belongs to family f when every word in it (adjective, noun
/// or marker) is a word of f. In the corpus the families use disjoint words and, at burstiness 1, a window is emitted by
/// one task of one family, so the split is the seminar's "data from two contexts C1 and C2 in one sample".
/// </summary>
/// <remarks>
/// <para>The family of a window is read off its words; where the sample carries task labels they must agree (a window
/// whose tokens come from tasks of two families, possible at burstiness &lt; 1, is an error that names it). A window of
/// connectives only has no family word and is assigned by its first token's task, or refused without labels.</para>
/// <para>Tempering. The windows are the i.i.d. unit (n = N windows, <see cref="Sampling.NextTokenTarget"/>), so
/// n L_n(w) = Σ_f n_f L^f_{n_f}(w) with L^f the mean loss over the n_f windows of family f. At one inverse temperature
/// β the tempered posterior e^{−nβ L_n} is the product of the e^{−n_f β L^f}: a part is sampled at
/// n_f β with the whole's β = 1/log n (<see cref="PartNBeta"/>), not at its own n_f/log n_f. Only then are the parts'
/// estimates pieces of the whole's, λ̂ = Σ_f λ̂_f when the parts share no weights.</para>
/// </remarks>
public sealed class FamilyPartition
{
    private readonly int[][] _windows;

    private FamilyPartition(WindowSample sample, int[] familyOfWindow)
    {
        Sample = sample;
        FamilyOfWindow = familyOfWindow;
        int families = sample.Vocabulary.FamilyNames.Count;
        _windows = Enumerable.Range(0, families)
            .Select(f => Enumerable.Range(0, familyOfWindow.Length).Where(i => familyOfWindow[i] == f).ToArray()).ToArray();
    }

    /// <summary>The whole sample.</summary>
    public WindowSample Sample { get; }

    /// <summary>The family index of each window.</summary>
    public IReadOnlyList<int> FamilyOfWindow { get; }

    /// <summary>The families' names, in index order.</summary>
    public IReadOnlyList<string> FamilyNames => Sample.Vocabulary.FamilyNames;

    /// <summary>n, the number of windows of the whole sample.</summary>
    public int Count => Sample.Count;

    /// <summary>Splits a sample by family.</summary>
    /// <exception cref="ArgumentException">A window holds words of two families, or its words disagree with its task
    /// label, or it has no family word and no label.</exception>
    public static FamilyPartition Of(WindowSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var vocabulary = sample.Vocabulary;
        var family = new int[sample.Count];
        for (int i = 0; i < sample.Count; i++)
        {
            int found = -1;
            foreach (int token in sample.Window(i))
            {
                int f = vocabulary.FamilyOf[token];
                if (f < 0) continue;
                if (found >= 0 && f != found)
                    throw new ArgumentException(
                        $"Window {i} holds words of two families ({vocabulary.FamilyNames[found]} and {vocabulary.FamilyNames[f]}): " +
                        $"\"{vocabulary.Decode(sample.Window(i))}\". A family split needs one family per window (burstiness 1).", nameof(sample));
                found = f;
            }
            if (sample.HasTasks)
            {
                int labelled = TaskFamily(sample, i);
                if (found >= 0 && labelled != found)
                    throw new ArgumentException(
                        $"Window {i}'s words are {vocabulary.FamilyNames[found]}'s but its first task belongs to {vocabulary.FamilyNames[labelled]}.", nameof(sample));
                found = labelled;
            }
            if (found < 0)
                throw new ArgumentException($"Window {i} has no family word and the sample has no task labels: \"{vocabulary.Decode(sample.Window(i))}\".", nameof(sample));
            family[i] = found;
        }
        return new FamilyPartition(sample, family);
    }

    /// <summary>The indices of family <paramref name="family"/>'s windows, in sample order.</summary>
    public IReadOnlyList<int> WindowsOf(int family) => _windows[CheckFamily(family)];

    /// <summary>n_f, the number of windows of a family.</summary>
    public int CountOf(int family) => _windows[CheckFamily(family)].Length;

    /// <summary>The family's index by name.</summary>
    public int FamilyIndex(string name)
    {
        for (int f = 0; f < FamilyNames.Count; f++)
            if (string.Equals(FamilyNames[f], name, StringComparison.Ordinal)) return f;
        throw new ArgumentException($"No family named '{name}'; the corpus has: {string.Join(", ", FamilyNames)}.", nameof(name));
    }

    /// <summary>The family's windows as a sample of their own (same vocabulary and C; task labels kept).</summary>
    /// <exception cref="InvalidOperationException">The family has no window in the sample.</exception>
    public WindowSample SampleOf(int family)
    {
        var windows = _windows[CheckFamily(family)];
        if (windows.Length == 0)
            throw new InvalidOperationException($"The sample has no window of family {FamilyNames[family]}.");
        int c = Sample.ContextLength;
        var tokens = new int[windows.Length * c];
        var tasks = Sample.HasTasks ? new int[windows.Length * c] : null;
        for (int j = 0; j < windows.Length; j++)
        {
            Sample.Window(windows[j]).CopyTo(tokens.AsSpan(j * c, c));
            if (tasks is not null) Sample.TasksOf(windows[j]).CopyTo(tasks.AsSpan(j * c, c));
        }
        return new WindowSample(Sample.Vocabulary, c, tokens, tasks);
    }

    /// <summary>The whole's inverse temperature β = 1/log n (n = all windows).</summary>
    public double Beta => 1.0 / Math.Log(Count);

    /// <summary>nβ of the whole, n/log n.</summary>
    public double WholeNBeta => Count * Beta;

    /// <summary>n_f β: the part's share of the whole's tempered likelihood, at the whole's β.</summary>
    public double PartNBeta(int family) => CountOf(family) * Beta;

    private int CheckFamily(int family) => family >= 0 && family < _windows.Length
        ? family
        : throw new ArgumentOutOfRangeException(nameof(family), family, $"family must be in [0, {_windows.Length}) ({string.Join(", ", FamilyNames)}).");

    private static int TaskFamily(WindowSample sample, int window)
    {
        // Task indices interleave the families (CorpusSpec): task k belongs to family k mod F.
        int families = sample.Vocabulary.FamilyNames.Count;
        return sample.TasksOf(window)[0] % families;
    }
}
