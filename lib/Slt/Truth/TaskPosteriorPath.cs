using Microsoft.Data.Analysis;
using Slt.Presentation;

namespace Slt.Truth;

/// <summary>
/// How the truth learns in context along one window: the posterior π_l(k) over tasks after each prefix t_1..t_l,
/// and the entropy H(q(· | t_1..t_l)) of the next token. Evidence accumulates token by token.
/// </summary>
/// <param name="Text">The window's words.</param>
/// <param name="TrueTask">The task that emitted the window's first token.</param>
/// <param name="Posteriors">Posteriors[l − 1][k] = π_l(k).</param>
/// <param name="NextTokenEntropy">H(q(· | t_1..t_l)) for l = 1..C.</param>
public sealed record TaskPosteriorPath(string[] Text, int TrueTask, double[][] Posteriors, double[] NextTokenEntropy)
{
    /// <summary>Follows window <paramref name="index"/> of a sample drawn from <paramref name="truth"/>.</summary>
    public static TaskPosteriorPath Of(TrueDistribution truth, WindowSample sample, int index)
    {
        var window = sample.Window(index);
        int c = window.Length, v = truth.Vocabulary.Count, k = truth.TaskCount;
        var q = new double[c * v];
        var post = new double[c * k];
        truth.Filter(window, q, post);
        return new TaskPosteriorPath(
            sample.Vocabulary.Decode(window).Split(' '),
            sample.TasksOf(index)[0],
            Enumerable.Range(0, c).Select(i => post[(i * k)..((i + 1) * k)]).ToArray(),
            Enumerable.Range(0, c).Select(i => TrueDistribution.Entropy(q.AsSpan(i * v, v))).ToArray());
    }

    /// <summary>One row per prefix length: the newest word, the posterior of the true task, the most probable task, the entropy.</summary>
    public DataFrame ToDataFrame()
    {
        int c = Text.Length;
        return new DataFrame(
            new PrimitiveDataFrameColumn<int>("length", Enumerable.Range(1, c)),
            new StringDataFrameColumn("token t_l", Text),
            new DoubleDataFrameColumn("posterior of true task", Posteriors.Select(p => p[TrueTask])),
            new PrimitiveDataFrameColumn<int>("most probable task", Posteriors.Select(p => Array.IndexOf(p, p.Max()))),
            new DoubleDataFrameColumn("H(q(.|prefix))", NextTokenEntropy));
    }

    /// <summary>The posterior of the true task and the next-token entropy against the prefix length.</summary>
    public Figure ToFigure()
    {
        var x = Enumerable.Range(1, Text.Length).Select(i => (double)i).ToArray();
        return new Figure($"The truth learns in context (true task {TrueTask})",
            [
                new LineTrace($"π_l(task {TrueTask})", x, Posteriors.Select(p => p[TrueTask]).ToArray(), Markers: true),
                new LineTrace("H(q(· | t_1..t_l)) in nats", x, NextTokenEntropy, Dashed: true),
            ],
            new Axis("prefix length l"), new Axis("probability / nats"));
    }
}
