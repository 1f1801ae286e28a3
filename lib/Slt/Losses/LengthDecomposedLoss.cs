using Microsoft.Data.Analysis;
using Slt.Presentation;

namespace Slt.Losses;

/// <summary>
/// The loss and KL divergence split by input length (the seminar's K(w) = Σ_l K^l(w)), estimated on n windows:
/// L^l(w) = E_{t_1..t_l}[ −Σ_s q(s | t_1..t_l) log p(s | t_1..t_l, w) ] (cross-entropy against the exact truth),
/// S^l = E_{t_1..t_l}[ H(q(· | t_1..t_l)) ], K^l(w) = E[ KL(q(· | t_1..t_l) ‖ p(· | t_1..t_l, w)) ] = L^l − S^l, and
/// the empirical loss L_n^l(w) = −(1/n) Σ_i log p(t^{(i)}_{l+1} | t^{(i)}_1..t^{(i)}_l, w) on the sampled next tokens.
/// Means over prefixes drawn from q; standard errors are s/√n over windows. Totals sum over l = 1..C−1.
/// </summary>
/// <param name="Lengths">l = 1..C−1.</param>
/// <param name="Windows">n, the number of windows (one prefix of each length per window).</param>
/// <param name="CrossEntropy">L^l(w), index l − 1.</param>
/// <param name="CrossEntropyStandardError">Standard error of L^l.</param>
/// <param name="Entropy">S^l.</param>
/// <param name="EntropyStandardError">Standard error of S^l.</param>
/// <param name="Kl">K^l(w), the mean of the exact per-prefix KL divergences.</param>
/// <param name="KlStandardError">Standard error of K^l.</param>
/// <param name="EmpiricalLoss">L_n^l(w) on the sampled next tokens.</param>
/// <param name="EmpiricalLossStandardError">Standard error of L_n^l.</param>
/// <param name="TotalCrossEntropy">L = Σ_l L^l.</param>
/// <param name="TotalEntropy">S = Σ_l S^l.</param>
/// <param name="TotalKl">K = Σ_l K^l.</param>
/// <param name="TotalKlStandardError">Standard error of K (of the per-window sums over l).</param>
/// <param name="TotalEmpiricalLoss">Σ_l L_n^l.</param>
/// <param name="TotalEmpiricalLossStandardError">Standard error of Σ_l L_n^l (of the per-window sums).</param>
public sealed record LengthDecomposedLoss(
    int[] Lengths,
    int Windows,
    double[] CrossEntropy,
    double[] CrossEntropyStandardError,
    double[] Entropy,
    double[] EntropyStandardError,
    double[] Kl,
    double[] KlStandardError,
    double[] EmpiricalLoss,
    double[] EmpiricalLossStandardError,
    double TotalCrossEntropy,
    double TotalEntropy,
    double TotalKl,
    double TotalKlStandardError,
    double TotalEmpiricalLoss,
    double TotalEmpiricalLossStandardError)
{
    /// <summary>C − 1, the number of input lengths.</summary>
    public int LengthCount => Lengths.Length;

    /// <summary>L / (C − 1): the per-token cross-entropy, the quantity training minimises.</summary>
    public double MeanCrossEntropy => TotalCrossEntropy / LengthCount;

    /// <summary>L_n / (C − 1): the per-token empirical loss on this sample.</summary>
    public double MeanEmpiricalLoss => TotalEmpiricalLoss / LengthCount;

    /// <summary>The lengths of the last quarter, l &gt; (C − 1) − ⌈(C − 1)/4⌉ (the superscript "last" of S^last, L^last, K^last).
    /// Not the "late" lengths of <c>NextTokenTarget.SplitAtQuarter</c>, which are every length past the first quarter.</summary>
    public int[] LastQuarterLengths
    {
        get
        {
            int quarter = (LengthCount + 3) / 4;
            return Lengths[^quarter..];
        }
    }

    /// <summary>The mean of a per-length series over <see cref="LastQuarterLengths"/>.</summary>
    public double LastQuarter(double[] perLength)
    {
        int quarter = (LengthCount + 3) / 4;
        return perLength[^quarter..].Average();
    }

    /// <summary>The value of a per-length series at input length l.</summary>
    public double At(double[] perLength, int length) =>
        length >= 1 && length <= LengthCount ? perLength[length - 1]
            : throw new ArgumentOutOfRangeException(nameof(length), length, $"length must be in [1, {LengthCount}].");

    /// <summary>The truth's in-context gain S^1 − S^last: how much knowing more of the prefix can lower the loss.</summary>
    public double AvailableGain => Entropy[0] - LastQuarter(Entropy);

    /// <summary>The model's own in-context gain L^1 − L^last (it can exceed <see cref="AvailableGain"/> when the model is
    /// worse than the truth at l = 1, so it is not a share of the truth's gain).</summary>
    public double ModelGain => CrossEntropy[0] - LastQuarter(CrossEntropy);

    /// <summary>What the model realizes of the truth's in-context gain in the last quarter:
    /// (S^1 − L^last)/(S^1 − S^last) = 1 − K^last/(S^1 − S^last). It is 1 for the truth, at most 1 up to the sampling
    /// error of K^last (K ≥ 0), and 0 or below when the model's late excess loss is as large as the whole gain; the
    /// numerator and denominator are <see cref="RealizedGain"/> and <see cref="AvailableGain"/>.</summary>
    public double CapturedGainFraction => RealizedGain / AvailableGain;

    /// <summary>S^1 − L^last: the truth's first-token entropy minus the model's last-quarter loss.</summary>
    public double RealizedGain => Entropy[0] - LastQuarter(CrossEntropy);

    /// <summary>(S^{C/4} − S^last) / (S^1 − S^last): how much of the truth's learning is still to come at l = C/4.</summary>
    public double GradualEvidenceRatio
    {
        get
        {
            int quarterLength = Math.Max(1, (LengthCount + 1) / 4);
            return (At(Entropy, quarterLength) - LastQuarter(Entropy)) / AvailableGain;
        }
    }

    /// <summary>One row per length: l, L^l, S^l, K^l with standard errors, and L_n^l.</summary>
    public DataFrame ToDataFrame() => new(
        new PrimitiveDataFrameColumn<int>("length", Lengths),
        new DoubleDataFrameColumn("L", CrossEntropy),
        new DoubleDataFrameColumn("L_se", CrossEntropyStandardError),
        new DoubleDataFrameColumn("S", Entropy),
        new DoubleDataFrameColumn("S_se", EntropyStandardError),
        new DoubleDataFrameColumn("K", Kl),
        new DoubleDataFrameColumn("K_se", KlStandardError),
        new DoubleDataFrameColumn("L_n", EmpiricalLoss),
        new DoubleDataFrameColumn("L_n_se", EmpiricalLossStandardError));

    /// <summary>L^l, S^l and K^l against the input length, with ±1 standard error bars.</summary>
    public Figure ToFigure(string? title = null)
    {
        double[] x = Lengths.Select(l => (double)l).ToArray();
        return new Figure(
            title ?? $"By input length: K = Σ K^l = {TotalKl:F3} nats",
            [
                new LineTrace("L^l (cross-entropy)", x, CrossEntropy, CrossEntropyStandardError, Markers: true),
                new LineTrace("S^l (entropy of the truth)", x, Entropy, EntropyStandardError, Markers: true, Dashed: true),
                new LineTrace("K^l = L^l − S^l", x, Kl, KlStandardError, Markers: true),
            ],
            new Axis("input length l"),
            new Axis("nats"));
    }
}
