using Slt.Contexts;
using Slt.Truth;

namespace Slt.Tests.Contexts;

public sealed class ContextualQueriesTests
{
    private static readonly TrueDistribution Truth = new(CorpusSpec.Default);

    [Theory]
    [InlineData(1, 8)]
    [InlineData(4, 8)]
    [InlineData(16, 16)]
    [InlineData(31, 1)]
    public void EveryPrefixOfAPrefixedQueryHasPositiveTruthProbability(int m, int t)
    {
        foreach (int task in ContextualQueries.MostFrequentTaskPerFamily(Truth).Append(Truth.TaskCount - 1))
        {
            var data = ContextualQueries.Draw(Truth, task, m, t, 12, seed: 5);
            Assert.Equal(m, data.ContextLength);
            Assert.Equal(t, data.QueryLength);
            int v = Truth.Vocabulary.Count;
            var conditionals = new double[(m + t) * v];
            for (int i = 0; i < data.Count; i++)
            {
                var window = data.Prefixed(i);
                Assert.Equal(m + t, window.Length);
                // Under task k itself every step has positive probability, so the mixture's does too.
                double logP = Math.Log(Truth.Initial(task, window[0]));
                for (int j = 1; j < window.Length; j++) logP += Math.Log(Truth.Transition(task, window[j - 1], window[j]));
                Assert.True(double.IsFinite(logP), $"task {task}: '{Truth.Vocabulary.Decode(window)}' is impossible under its own task.");
                // And the truth's own filter (which throws on a zero-probability prefix) gives each next token positive probability.
                Truth.Filter(window, conditionals);
                for (int j = 0; j + 1 < window.Length; j++) Assert.True(conditionals[j * v + window[j + 1]] > 0);
                // Without family markers the stripped query is itself a possible window.
                var x = data.Query(i).ToArray();
                Assert.True(Truth.Initial(task, x[0]) > 0);
                Truth.Filter(x, new double[t * v]);
            }
        }
    }

    [Fact]
    public void QueriesContinueTheTasksChainAfterTheContext()
    {
        // The first query token must follow P_k(· | c_m): checked against the exact transition row with many queries.
        const int n = 4000;
        int task = ContextualQueries.MostFrequentTaskPerFamily(Truth)[1];
        var data = ContextualQueries.Draw(Truth, task, 3, 2, n, seed: 11);
        int last = data.Context[^1], v = Truth.Vocabulary.Count;
        var counts = new double[v];
        for (int i = 0; i < n; i++) counts[data.Query(i)[0]]++;
        for (int y = 0; y < v; y++)
        {
            double p = Truth.Transition(task, last, y);
            if (p == 0) { Assert.Equal(0, counts[y]); continue; }
            double se = Math.Sqrt(p * (1 - p) / n);
            Assert.True(Math.Abs(counts[y] / n - p) < 5 * se + 1e-12, $"token {Truth.Vocabulary.Tokens[y]}: frequency {counts[y] / n:F4}, P_k = {p:F4} ± {se:F4}");
        }
        // And the second follows the first.
        var pairs = Enumerable.Range(0, n).Select(i => (data.Query(i)[0], data.Query(i)[1])).ToArray();
        Assert.All(pairs, p => Assert.True(Truth.Transition(task, p.Item1, p.Item2) > 0));
    }

    [Fact]
    public void SameSeedSameDataAndTheContextDoesNotDependOnTheQueries()
    {
        var a = ContextualQueries.Draw(Truth, 3, 6, 5, 10, seed: 7);
        var b = ContextualQueries.Draw(Truth, 3, 6, 5, 10, seed: 7);
        var c = ContextualQueries.Draw(Truth, 3, 6, 5, 10, seed: 8);
        Assert.Equal(a.Context, b.Context);
        for (int i = 0; i < a.Count; i++) Assert.Equal(a.Query(i), b.Query(i));
        Assert.False(a.Context.SequenceEqual(c.Context) && Enumerable.Range(0, a.Count).All(i => a.Query(i).SequenceEqual(c.Query(i))));
        // The context is the same whatever the number or length of the queries.
        var d = ContextualQueries.Draw(Truth, 3, 6, 9, 3, seed: 7);
        Assert.Equal(a.Context, d.Context);
        // Held-out queries: the same context, other queries.
        var held = a.WithQueries(10, seed: 99);
        Assert.Equal(a.Context, held.Context);
        Assert.Contains(Enumerable.Range(0, 10), i => !held.Query(i).SequenceEqual(a.Query(i)));
        Assert.Throws<ArgumentException>(() => a.WithQueries(10, seed: 7));
        // Tensors hold the same tokens.
        using var prefixed = a.PrefixedTensor();
        using var stripped = a.StrippedTensor();
        Assert.Equal(new long[] { 10, 11 }, prefixed.shape);
        Assert.Equal(new long[] { 10, 5 }, stripped.shape);
        Assert.Equal(a.Prefixed(4).Select(t => (long)t).ToArray(), prefixed[4].data<long>().ToArray());
        Assert.Equal(a.Query(4).Select(t => (long)t).ToArray(), stripped[4].data<long>().ToArray());
    }

    [Fact]
    public void TooLongAPrefixedQueryIsRefusedWithAClearMessage()
    {
        int c = Truth.ContextLength;
        var e = Assert.Throws<ArgumentException>(() => ContextualQueries.Draw(Truth, 0, 20, c - 19, 4, 1));
        Assert.Contains("m = 20", e.Message);
        Assert.Contains($"C = {c}", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ContextualQueries.Draw(Truth, 0, 0, 4, 4, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ContextualQueries.Draw(Truth, 0, 4, 0, 4, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ContextualQueries.Draw(Truth, Truth.TaskCount, 4, 4, 4, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ContextualQueries.Draw(Truth, 0, 4, 4, 0, 1));
        var ok = ContextualQueries.Draw(Truth, 0, 20, c - 20, 4, 1);
        Assert.Throws<ArgumentException>(() => ok.WithQueries(4, 2, queryLength: c - 19));
    }

    [Fact]
    public void MostFrequentTasksAreTheLargestPriorsOfEachFamily()
    {
        var perFamily = ContextualQueries.MostFrequentTaskPerFamily(Truth);
        Assert.Equal(Truth.Vocabulary.FamilyNames.Count, perFamily.Length);
        for (int f = 0; f < perFamily.Length; f++)
        {
            var best = Truth.Tasks.Where(t => t.Family == f).MaxBy(t => t.Prior)!;
            Assert.Equal(best.Index, perFamily[f]);
            var top = ContextualQueries.MostFrequentTasks(Truth, f, 5);
            Assert.All(top, k => Assert.Equal(f, Truth.Tasks[k].Family));
            for (int i = 1; i < top.Length; i++) Assert.True(Truth.Tasks[top[i - 1]].Prior >= Truth.Tasks[top[i]].Prior);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => ContextualQueries.MostFrequentTasks(Truth, 0, Truth.Spec.TasksPerFamily + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ContextualQueries.MostFrequentTasks(Truth, 2, 1));
    }

    [Fact]
    public void TruthConditionalsAreTheExactConditionalsAfterEachQueryPosition()
    {
        var data = ContextualQueries.Draw(Truth, 1, 5, 4, 3, seed: 2);
        var all = data.TruthConditionals();
        int v = Truth.Vocabulary.Count;
        for (int i = 0; i < data.Count; i++)
            for (int l = 1; l <= data.QueryLength; l++)
            {
                var expected = Truth.Conditional(data.Prefixed(i)[..(data.ContextLength + l)]);
                var actual = all.AsSpan(((i * data.QueryLength) + l - 1) * v, v).ToArray();
                for (int y = 0; y < v; y++) Assert.Equal(expected[y], actual[y], 15);
            }
    }
}
