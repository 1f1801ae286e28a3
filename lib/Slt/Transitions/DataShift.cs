using Slt.Sampling;
using Slt.Truth;

namespace Slt.Transitions;

/// <summary>What a data shift moves weight toward.</summary>
public enum ShiftKind
{
    /// <summary>q' = q: no shift (χ = 0 exactly; a check).</summary>
    None,
    /// <summary>q' = the windows of one family.</summary>
    Family,
    /// <summary>q' = the prediction tasks at a range of input lengths.</summary>
    Lengths,
}

/// <summary>
/// A shift q → q' of the data distribution, on the cells (family f, input length l) of the per-window loss
/// ℓ_i(w) = Σ_l ℓ_i^l(w): L_{q'}(w) = Σ_{f,l} c'_{f,l} M_{f,l}(w), with M_{f,l} the mean of ℓ_i^l over the n_f windows
/// of family f, while L_q = L_n = Σ_{f,l} π_f M_{f,l}, π_f = n_f / n (docs/susceptibilities.md §2).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Family g: c'_{f,l} = [f = g], i.e. L_{q'} is family g's mean per-window loss L^g.</item>
/// <item>Lengths S: c'_{f,l} = π_f (C − 1)/|S| [l ∈ S]: the same windows, every window's weight moved onto the
/// predictions at lengths in S, with the total weight C − 1 of a window kept (so S = all lengths is q itself).</item>
/// </list>
/// </remarks>
/// <param name="Name">A label, e.g. "toward garage" or "toward lengths 1–8".</param>
/// <param name="Kind">What the shift moves toward.</param>
/// <param name="Family">The family index (Kind = Family).</param>
/// <param name="Lengths">The input lengths, sorted (Kind = Lengths).</param>
public sealed record DataShift(string Name, ShiftKind Kind, int? Family = null, IReadOnlyList<int>? Lengths = null)
{
    /// <summary>No shift: q' = q.</summary>
    public static DataShift None { get; } = new("none", ShiftKind.None);

    /// <summary>Toward family <paramref name="family"/>'s windows.</summary>
    public static DataShift TowardFamily(FamilyPartition partition, int family)
    {
        ArgumentNullException.ThrowIfNull(partition);
        if (family < 0 || family >= partition.FamilyNames.Count)
            throw new ArgumentException($"Family {family} is outside 0..{partition.FamilyNames.Count - 1}.", nameof(family));
        if (partition.CountOf(family) == 0) throw new ArgumentException($"The sample has no window of family {partition.FamilyNames[family]}.", nameof(family));
        return new($"toward {partition.FamilyNames[family]}", ShiftKind.Family, family);
    }

    /// <summary>Toward the predictions at input lengths <paramref name="lengths"/> (a set in 1..C − 1).</summary>
    public static DataShift TowardLengths(IEnumerable<int> lengths, int contextLength)
    {
        var sorted = NextTokenTarget.ValidateLengths(lengths, contextLength);
        return new($"toward lengths {sorted[0]}–{sorted[^1]}" + (sorted.Length == sorted[^1] - sorted[0] + 1 ? "" : " (some)"), ShiftKind.Lengths, Lengths: sorted);
    }

    /// <summary>The shifts of the measured curves: toward each family, toward early lengths (l ≤ C/4) and toward late ones.</summary>
    public static IReadOnlyList<DataShift> Defaults(FamilyPartition partition)
    {
        ArgumentNullException.ThrowIfNull(partition);
        var (early, late) = NextTokenTarget.SplitAtQuarter(partition.Sample.ContextLength);
        return [.. Enumerable.Range(0, partition.FamilyNames.Count).Where(f => partition.CountOf(f) > 0).Select(f => TowardFamily(partition, f)),
            TowardLengths(early, partition.Sample.ContextLength), TowardLengths(late, partition.Sample.ContextLength)];
    }

    /// <summary>The weights π_f of L_q = L_n on the cells, flattened f-major: [F·(C − 1)].</summary>
    public static double[] Unshifted(FamilyPartition partition)
    {
        ArgumentNullException.ThrowIfNull(partition);
        int families = partition.FamilyNames.Count, lengths = partition.Sample.ContextLength - 1;
        var c = new double[families * lengths];
        for (int f = 0; f < families; f++)
            for (int l = 0; l < lengths; l++) c[f * lengths + l] = partition.CountOf(f) / (double)partition.Count;
        return c;
    }

    /// <summary>c' − c on the cells, flattened f-major: ΔL = L_{q'} − L_q = Σ (c' − c)_{f,l} M_{f,l}. Exactly zero for
    /// <see cref="None"/>.</summary>
    /// <exception cref="ArgumentException">The family or a length does not fit the partition.</exception>
    public double[] Difference(FamilyPartition partition)
    {
        ArgumentNullException.ThrowIfNull(partition);
        var c = Unshifted(partition);
        int families = partition.FamilyNames.Count, lengths = partition.Sample.ContextLength - 1;
        var shifted = (double[])c.Clone();
        switch (Kind)
        {
            case ShiftKind.Family:
                int g = Family ?? throw new ArgumentException("A family shift needs its family.", nameof(Family));
                if (g < 0 || g >= families || partition.CountOf(g) == 0) throw new ArgumentException($"Family {g} has no window in this sample.", nameof(Family));
                for (int f = 0; f < families; f++)
                    for (int l = 0; l < lengths; l++) shifted[f * lengths + l] = f == g ? 1 : 0;
                break;
            case ShiftKind.Lengths:
                var kept = NextTokenTarget.ValidateLengths(Lengths ?? throw new ArgumentException("A length shift needs its lengths.", nameof(Lengths)), lengths + 1);
                var inSet = new bool[lengths];
                foreach (int l in kept) inSet[l - 1] = true;
                for (int f = 0; f < families; f++)
                    for (int l = 0; l < lengths; l++) shifted[f * lengths + l] = inSet[l] ? c[f * lengths + l] * lengths / kept.Length : 0;
                break;
        }
        return shifted.Select((v, i) => v - c[i]).ToArray();
    }
}
