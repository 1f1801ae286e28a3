namespace Slt.Transitions;

/// <summary>
/// The captured in-context gain G = (S^1 − L^last)/(S^1 − S^last) of <see cref="Losses.LengthDecomposedLoss.CapturedGainFraction"/>
/// restricted to a subset of the windows, with its standard error.
/// </summary>
/// <param name="Windows">n, the windows of the subset.</param>
/// <param name="Gain">G = Ā / B̄ with A_w = H_w^1 − mean_{l ∈ last} L_w^l (realized) and B_w = H_w^1 − mean_{l ∈ last} H_w^l
/// (available), means over the subset's windows. 1 for the truth; 0 for the best predictor that sees only the last
/// token (at burstiness 1 with stationary starts); below 0 for one worse than that.</param>
/// <param name="StandardError">The ratio estimator's delta-method standard error,
/// √(Σ_w (A_w − G B_w)² / (n(n − 1))) / |B̄|: it carries the spread of A and B and their correlation over windows.</param>
/// <param name="AvailableGain">B̄ = S^1 − S^last on the subset (nats).</param>
/// <param name="RealizedGain">Ā = S^1 − L^last on the subset (nats).</param>
public sealed record CapturedGain(int Windows, double Gain, double StandardError, double AvailableGain, double RealizedGain)
{
    /// <summary>G and its standard error on the windows <paramref name="windows"/>.</summary>
    /// <param name="crossEntropy">Per window and length, −Σ q log p (<see cref="Losses.LengthDecomposedKl.CrossEntropyPerWindow"/>).</param>
    /// <param name="entropy">Per window and length, H(q) (<see cref="Losses.LengthDecomposedKl.EntropyPerWindow"/>).</param>
    /// <param name="lengths">C − 1, the input lengths per window.</param>
    /// <param name="windows">The subset's window indices (at least two).</param>
    /// <exception cref="ArgumentException">Fewer than two windows, a window index out of range, or arrays of the wrong size.</exception>
    public static CapturedGain Of(ReadOnlySpan<double> crossEntropy, ReadOnlySpan<double> entropy, int lengths, IReadOnlyList<int> windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        if (lengths < 2) throw new ArgumentOutOfRangeException(nameof(lengths), lengths, "lengths must be at least 2 (C ≥ 3).");
        if (crossEntropy.Length != entropy.Length || crossEntropy.Length % lengths != 0)
            throw new ArgumentException($"crossEntropy ({crossEntropy.Length}) and entropy ({entropy.Length}) must both hold n·{lengths} values.", nameof(crossEntropy));
        if (windows.Count < 2) throw new ArgumentException($"A captured gain needs at least two windows, got {windows.Count}.", nameof(windows));
        int total = crossEntropy.Length / lengths, quarter = (lengths + 3) / 4, n = windows.Count;
        var a = new double[n];
        var b = new double[n];
        for (int j = 0; j < n; j++)
        {
            int w = windows[j];
            if (w < 0 || w >= total) throw new ArgumentException($"Window index {w} is not in [0, {total}).", nameof(windows));
            int row = w * lengths;
            double lateCross = 0, lateEntropy = 0;
            for (int i = lengths - quarter; i < lengths; i++) { lateCross += crossEntropy[row + i]; lateEntropy += entropy[row + i]; }
            a[j] = entropy[row] - lateCross / quarter;
            b[j] = entropy[row] - lateEntropy / quarter;
        }
        double aMean = a.Average(), bMean = b.Average(), g = aMean / bMean, ss = 0;
        for (int j = 0; j < n; j++) { double r = a[j] - g * b[j]; ss += r * r; }
        return new CapturedGain(n, g, Math.Sqrt(ss / ((double)n * (n - 1))) / Math.Abs(bMean), bMean, aMean);
    }
}
