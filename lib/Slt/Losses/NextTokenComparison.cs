using Microsoft.Data.Analysis;
using Slt.Model;
using Slt.Presentation;
using Slt.Truth;
using static TorchSharp.torch;

namespace Slt.Losses;

/// <summary>
/// The model's p(· | t_1..t_l, w) beside the truth's q(· | t_1..t_l) for one prefix, with
/// KL(q ‖ p) = Σ_s q(s) log(q(s)/p(s)): the seminar's learning machine at a single input.
/// </summary>
/// <param name="Prefix">The input t_1..t_l as words.</param>
/// <param name="Tokens">The vocabulary, in id order.</param>
/// <param name="Truth">q(s | prefix).</param>
/// <param name="Model">p(s | prefix, w).</param>
public sealed record NextTokenComparison(string Prefix, string[] Tokens, double[] Truth, double[] Model)
{
    /// <summary>KL(q ‖ p) at this prefix, in nats.</summary>
    public double Kl => Truth.Zip(Model).Where(z => z.First > 0).Sum(z => z.First * Math.Log(z.First / z.Second));

    /// <summary>Compares the model with the truth after the first <paramref name="length"/> tokens of <paramref name="window"/>.</summary>
    public static NextTokenComparison Of(TrueDistribution truth, INextTokenPredictor model, ReadOnlySpan<int> window, int length)
    {
        if (length < 1 || length > window.Length)
            throw new ArgumentOutOfRangeException(nameof(length), length, $"length must be in [1, {window.Length}].");
        var prefix = window[..length].ToArray();
        double[] q = truth.Conditional(prefix);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(prefix.Select(t => (long)t).ToArray(), [1, length]);
        double[] p = model.LogProbabilities(ids)[0, length - 1].exp().to_type(ScalarType.Float64).data<double>().ToArray();
        return new NextTokenComparison(truth.Vocabulary.Decode(prefix), truth.Vocabulary.Tokens.ToArray(), q, p);
    }

    /// <summary>The tokens with the largest q, with q and p side by side.</summary>
    public DataFrame ToDataFrame(int top = 10)
    {
        var order = Enumerable.Range(0, Tokens.Length).OrderByDescending(i => Truth[i]).Take(top).ToArray();
        return new DataFrame(
            new StringDataFrameColumn("next token", order.Select(i => Tokens[i])),
            new DoubleDataFrameColumn("q (truth)", order.Select(i => Truth[i])),
            new DoubleDataFrameColumn("p (model)", order.Select(i => Model[i])));
    }

    /// <summary>Bars of q and p over the tokens the truth finds most likely.</summary>
    public Figure ToFigure(int top = 15)
    {
        var order = Enumerable.Range(0, Tokens.Length).OrderByDescending(i => Truth[i]).Take(top).ToArray();
        string[] names = order.Select(i => Tokens[i]).ToArray();
        return new Figure($"Next token: KL(q ‖ p) = {Kl:F3} nats",
            [new BarTrace("q (truth)", names, order.Select(i => Truth[i]).ToArray()), new BarTrace("p (model)", names, order.Select(i => Model[i]).ToArray())],
            new Axis("next token"), new Axis("probability"));
    }
}
