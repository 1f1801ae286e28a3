namespace Slt.Truth;

/// <summary>
/// Draws windows of C consecutive tokens from the truth (the seminar's data distribution: a window t_1..t_C gives the
/// C − 1 input/output pairs (t_1..t_l, t_{l+1}), l = 1..C−1, so every input length is equally likely).
/// Deterministic: the same truth, count and seed give the same tokens.
/// </summary>
public sealed class CorpusGenerator(TrueDistribution truth)
{
    public TrueDistribution Truth { get; } = truth;

    /// <summary>Draws <paramref name="count"/> windows of length C with the stream named by <paramref name="seed"/>.</summary>
    public WindowSample Sample(int count, long seed)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be at least 1.");
        int c = Truth.ContextLength, v = Truth.Vocabulary.Count;
        var rng = DeterministicRandom.ForStream(seed, "windows");
        var tokens = new int[count * c];
        var tasks = new int[count * c];
        double b = Truth.Spec.Burstiness;
        for (int w = 0; w < count; w++)
        {
            int k = rng.NextCategorical(Truth.Prior);
            int t = rng.NextCategorical(Truth.InitialRow(k));
            tokens[w * c] = t;
            tasks[w * c] = k;
            for (int i = 1; i < c; i++)
            {
                if (b < 1 && rng.NextDouble() >= b) k = rng.NextCategorical(Truth.Prior);
                t = rng.NextCategorical(Truth.TransitionRow(k, t));
                tokens[w * c + i] = t;
                tasks[w * c + i] = k;
            }
        }
        return new WindowSample(Truth.Vocabulary, c, tokens, tasks);
    }

    /// <summary>The spec's shipped sample: <c>SampleWindows</c> windows drawn with the spec's seed.</summary>
    public WindowSample SpecSample() => Sample(Truth.Spec.SampleWindows, Truth.Spec.Seed);
}
