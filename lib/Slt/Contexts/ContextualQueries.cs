using Slt.Truth;
using static TorchSharp.torch;

namespace Slt.Contexts;

/// <summary>
/// Task-conditioned data for the contexts-to-weights hypothesis p(y | C ⊕ x, w) = p(y | x, F_C(w)): a context
/// C = c_1..c_m drawn from task k's chain and n queries x_i = x_{i,1}..x_{i,T} that continue the same chain after C, so
/// every C ⊕ x_i is a window the truth can emit (its probability is at least π_k P_k(C ⊕ x_i) &gt; 0, and so is that of
/// each of its prefixes). The stripped queries are the x_i alone.
/// </summary>
/// <remarks>
/// <para>Draw: c_1 ~ P_k(t_1) (the task's stationary law, or its family marker when the corpus has markers), then
/// c_{j+1} ~ P_k(· | c_j); the queries start from the context's last token, x_{i,1} ~ P_k(· | c_m),
/// x_{i,l+1} ~ P_k(· | x_{i,l}), each query an independent continuation of the same C. The task is held fixed for the
/// whole window (a burstiness below 1 in the corpus does not redraw it here): the queries are "of task k".</para>
/// <para>Without family markers a stripped query is itself a possible window (x_{i,1} has positive stationary
/// probability under task k because it was emitted by task k). With markers it is not (windows start with the
/// marker), which is what prepending a context means there; the model still predicts on it.</para>
/// <para>Deterministic: the truth, the task, m, T, n and the seed fix every token (streams of
/// <see cref="DeterministicRandom"/>); the context's stream does not depend on n or T, so the same seed gives the
/// same C for every query count and length, and <see cref="WithQueries"/> draws fresh queries after the same C.</para>
/// </remarks>
public sealed class ContextualQueries
{
    private readonly int[] _context;
    private readonly int[][] _queries;

    private ContextualQueries(TrueDistribution truth, int task, int[] context, int[][] queries, int queryLength, long seed)
    {
        Truth = truth;
        Task = task;
        _context = context;
        _queries = queries;
        QueryLength = queryLength;
        Seed = seed;
    }

    public TrueDistribution Truth { get; }

    /// <summary>k, the task the context and the queries come from.</summary>
    public int Task { get; }

    /// <summary>The family of task k.</summary>
    public int Family => Truth.Tasks[Task].Family;

    /// <summary>The family's name.</summary>
    public string FamilyName => Truth.Vocabulary.FamilyNames[Family];

    /// <summary>C, the context (length m).</summary>
    public IReadOnlyList<int> Context => _context;

    /// <summary>m, the context length.</summary>
    public int ContextLength => _context.Length;

    /// <summary>T, the length of every query.</summary>
    public int QueryLength { get; }

    /// <summary>n, the number of queries.</summary>
    public int Count => _queries.Length;

    /// <summary>The seed the queries were drawn with.</summary>
    public long Seed { get; }

    /// <summary>The stripped query x_i.</summary>
    public IReadOnlyList<int> Query(int i) => _queries[i];

    /// <summary>The prefixed query C ⊕ x_i (length m + T).</summary>
    public int[] Prefixed(int i) => [.. _context, .. _queries[i]];

    /// <summary>
    /// Draws a context of length <paramref name="contextLength"/> from task <paramref name="task"/> and
    /// <paramref name="count"/> continuations of length <paramref name="queryLength"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A task out of range, m &lt; 1, T &lt; 1, n &lt; 1, or m + T &gt; C (the
    /// prefixed query would not fit the model's context window).</exception>
    public static ContextualQueries Draw(TrueDistribution truth, int task, int contextLength, int queryLength, int count, long seed)
    {
        ArgumentNullException.ThrowIfNull(truth);
        if (task < 0 || task >= truth.TaskCount)
            throw new ArgumentOutOfRangeException(nameof(task), task, $"task must be in [0, {truth.TaskCount}).");
        if (contextLength < 1)
            throw new ArgumentOutOfRangeException(nameof(contextLength), contextLength, "contextLength (m) must be at least 1.");
        if (queryLength < 1)
            throw new ArgumentOutOfRangeException(nameof(queryLength), queryLength, "queryLength (T) must be at least 1.");
        if (contextLength + queryLength > truth.ContextLength)
            throw new ArgumentException(
                $"contextLength m = {contextLength} plus queryLength T = {queryLength} is {contextLength + queryLength} > C = {truth.ContextLength}: the prefixed query C ⊕ x would not fit the context window.",
                nameof(queryLength));
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "count (n) must be at least 1.");
        var rng = DeterministicRandom.ForStream(seed, $"context/task-{task}/m-{contextLength}");
        var context = new int[contextLength];
        context[0] = rng.NextCategorical(truth.InitialRow(task));
        for (int j = 1; j < contextLength; j++) context[j] = rng.NextCategorical(truth.TransitionRow(task, context[j - 1]));
        return new ContextualQueries(truth, task, context, Continue(truth, task, context, queryLength, count, seed), queryLength, seed);
    }

    /// <summary>Fresh queries after the same context (e.g. held-out queries), drawn with <paramref name="seed"/>.</summary>
    /// <exception cref="ArgumentException">As for <see cref="Draw"/>; a seed equal to this set's seed is refused,
    /// since it would repeat these queries.</exception>
    public ContextualQueries WithQueries(int count, long seed, int? queryLength = null)
    {
        int t = queryLength ?? QueryLength;
        if (t < 1) throw new ArgumentOutOfRangeException(nameof(queryLength), t, "queryLength (T) must be at least 1.");
        if (ContextLength + t > Truth.ContextLength)
            throw new ArgumentException($"contextLength m = {ContextLength} plus queryLength T = {t} is {ContextLength + t} > C = {Truth.ContextLength}.", nameof(queryLength));
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "count (n) must be at least 1.");
        if (seed == Seed && t == QueryLength)
            throw new ArgumentException($"seed {seed} is this set's own seed; fresh queries need another seed.", nameof(seed));
        return new ContextualQueries(Truth, Task, _context, Continue(Truth, Task, _context, t, count, seed), t, seed);
    }

    private static int[][] Continue(TrueDistribution truth, int task, int[] context, int queryLength, int count, long seed)
    {
        var rng = DeterministicRandom.ForStream(seed, $"queries/task-{task}/m-{context.Length}/T-{queryLength}");
        var queries = new int[count][];
        for (int i = 0; i < count; i++)
        {
            var x = queries[i] = new int[queryLength];
            int previous = context[^1];
            for (int l = 0; l < queryLength; l++) previous = x[l] = rng.NextCategorical(truth.TransitionRow(task, previous));
        }
        return queries;
    }

    /// <summary>The prefixed queries C ⊕ x_i as an int64 tensor [n, m + T].</summary>
    public Tensor PrefixedTensor(Device? device = null) => ToTensor(i => Prefixed(i), ContextLength + QueryLength, device);

    /// <summary>The stripped queries x_i as an int64 tensor [n, T].</summary>
    public Tensor StrippedTensor(Device? device = null) => ToTensor(i => _queries[i], QueryLength, device);

    private Tensor ToTensor(Func<int, int[]> row, int length, Device? device)
    {
        var data = new long[Count * length];
        for (int i = 0; i < Count; i++)
        {
            var r = row(i);
            for (int j = 0; j < length; j++) data[i * length + j] = r[j];
        }
        return tensor(data, [Count, length], dtype: ScalarType.Int64, device: device);
    }

    /// <summary>
    /// The exact truth after each prefix of each prefixed query: element [i, l, y] is q(y | C ⊕ x_{i,1..l+1}),
    /// l = 0..T−1 (the predictions a model makes after each position of x), as a flat array of n·T·|S| entries.
    /// </summary>
    public double[] TruthConditionals()
    {
        int v = Truth.Vocabulary.Count, m = ContextLength, t = QueryLength;
        var result = new double[Count * t * v];
        var all = new double[(m + t) * v];
        for (int i = 0; i < Count; i++)
        {
            Truth.Filter(Prefixed(i), all);
            Array.Copy(all, m * v, result, i * t * v, t * v);
        }
        return result;
    }

    /// <summary>The most frequent task (largest prior π_k) of each family, in family order.</summary>
    public static int[] MostFrequentTaskPerFamily(TrueDistribution truth) =>
        Enumerable.Range(0, truth.Vocabulary.FamilyNames.Count).Select(f => MostFrequentTasks(truth, f, 1)[0]).ToArray();

    /// <summary>The <paramref name="count"/> most frequent tasks of family <paramref name="family"/>, most frequent first.</summary>
    /// <exception cref="ArgumentException">The family is out of range, or it has fewer than <paramref name="count"/> tasks.</exception>
    public static int[] MostFrequentTasks(TrueDistribution truth, int family, int count)
    {
        ArgumentNullException.ThrowIfNull(truth);
        int families = truth.Vocabulary.FamilyNames.Count;
        if (family < 0 || family >= families)
            throw new ArgumentOutOfRangeException(nameof(family), family, $"family must be in [0, {families}).");
        var tasks = truth.Tasks.Where(t => t.Family == family).OrderByDescending(t => t.Prior).ThenBy(t => t.Index).Select(t => t.Index).ToArray();
        if (count < 1 || count > tasks.Length)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"family {family} has {tasks.Length} tasks; count must be in [1, {tasks.Length}].");
        return tasks[..count];
    }
}
