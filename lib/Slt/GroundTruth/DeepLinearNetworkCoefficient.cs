namespace Slt.GroundTruth;

/// <summary>The learning coefficient λ and multiplicity m of a deep linear network at a true parameter of rank r.</summary>
public sealed record LearningCoefficient(double Lambda, int Multiplicity);

/// <summary>
/// Aoyagi's closed form for the real log canonical threshold of deep linear networks y = B_L ⋯ B_1 x with layer widths
/// H₁ (input), …, H_{L+1} (output) and a true end-to-end matrix of rank r.
/// </summary>
/// <remarks>
/// M. Aoyagi, "Consideration on the learning efficiency of multiple-layered neural networks with linear units",
/// Neural Networks (2024), doi 10.1016/j.neunet.2024.106132; two layers: Aoyagi &amp; Watanabe, Neural Networks 18 (2005).
/// With M_j = H_j − r, take the k smallest M_j (k = 1, 2, …) and stop at the first set Σ (ℓ = k − 1) with
/// max_Σ M &lt; min_{Σᶜ} M, Σ_Σ M ≥ ℓ·max_Σ M and Σ_Σ M &lt; ℓ·min_{Σᶜ} M. With S = Σ_Σ M and a = S − ℓ(⌈S/ℓ⌉ − 1):
/// λ = (−r² + r(H₁ + H_{L+1}))/2 + a(ℓ − a)/(4ℓ) − (ℓ(ℓ − 1)/4)(S/ℓ)² + ½ Σ_{i&lt;j∈Σ} M_i M_j,  m = a(ℓ − a) + 1.
/// <para>What is checked: λ and m against the two-layer formula of Aoyagi &amp; Watanabe (<see cref="ReducedRankRegression"/>)
/// for every two-layer case, where m ∈ {1, 2}; λ against SGLD on networks of up to three layers. Multiplicities m &gt; 2 arise
/// only for three layers or more and have no independent check here: the finite-nβ shortfall measured on [3,3,4,3] (m = 3,
/// docs/verdicts.md) is consistent with m &gt; 1 but too noisy to pin m.</para>
/// </remarks>
public static class DeepLinearNetworkCoefficient
{
    /// <summary>λ and m for layer widths <paramref name="widths"/> (input first) and true rank <paramref name="rank"/>.</summary>
    public static LearningCoefficient Compute(IReadOnlyList<int> widths, int rank)
    {
        ArgumentNullException.ThrowIfNull(widths);
        if (widths.Count < 2) throw new ArgumentException($"A network needs at least two widths (input, output); got {widths.Count}.", nameof(widths));
        if (widths.Any(h => h <= 0)) throw new ArgumentOutOfRangeException(nameof(widths), string.Join(",", widths), "Widths must be positive.");
        if (rank < 0 || rank > widths.Min())
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"rank must lie in 0..{widths.Min()} (the narrowest layer).");
        double r = rank;
        double regular = (-r * r + r * (widths[0] + widths[^1])) / 2;
        // One layer y = Bx is a regular model: λ = d/2.
        if (widths.Count == 2) return new LearningCoefficient(widths[0] * widths[1] / 2.0, 1);
        var m = widths.Select(h => (double)(h - rank)).OrderBy(x => x).ToArray();
        // k = 1 (ℓ = 0) never qualifies: its upper condition M₁ < 0 · min_{Σᶜ} M fails for M ≥ 0, so the search starts at 2.
        for (int k = 2; k <= m.Length; k++)
        {
            int l = k - 1;
            var sigma = m.Take(k).ToArray();
            var rest = m.Skip(k).ToArray();
            double s = sigma.Sum(), max = sigma.Max();
            bool separated = rest.Length == 0 || max < rest.Min();
            bool lower = s >= l * max;
            bool upper = rest.Length == 0 || s < l * rest.Min();
            if (!(separated && lower && upper)) continue;
            double a = s - l * (Math.Ceiling(s / l) - 1);
            double pairs = 0;
            for (int i = 0; i < sigma.Length; i++)
                for (int j = i + 1; j < sigma.Length; j++) pairs += sigma[i] * sigma[j];
            double lambda = regular + a * (l - a) / (4.0 * l) - l * (l - 1) / 4.0 * (s / l) * (s / l) + 0.5 * pairs;
            return new LearningCoefficient(lambda, (int)Math.Round(a * (l - a)) + 1);
        }
        throw new InvalidOperationException($"No index set satisfies Aoyagi's conditions for widths [{string.Join(",", widths)}], rank {rank}.");
    }

    /// <summary>
    /// The two-layer (reduced-rank regression) formula of Aoyagi &amp; Watanabe (2005) for input M, hidden H, output N,
    /// true rank r; used to cross-check <see cref="Compute"/>.
    /// </summary>
    public static LearningCoefficient ReducedRankRegression(int inputs, int hidden, int outputs, int rank)
    {
        double M = inputs, H = hidden, N = outputs, r = rank;
        if (N + r <= M + H && M + r <= N + H && H + r <= M + N)
        {
            double b = 2 * (H + r) * (M + N) - (M - N) * (M - N) - (H + r) * (H + r);
            return ((int)(M + N + H + r)) % 2 == 0 ? new LearningCoefficient(b / 8, 1) : new LearningCoefficient((b + 1) / 8, 2);
        }
        if (M + H < N + r) return new LearningCoefficient((H * M - H * r + N * r) / 2, 1);
        if (N + H < M + r) return new LearningCoefficient((H * N - H * r + M * r) / 2, 1);
        return new LearningCoefficient(M * N / 2, 1);
    }

    /// <summary>Number of parameters d = Σ H_{j+1} H_j.</summary>
    public static int ParameterCount(IReadOnlyList<int> widths) =>
        Enumerable.Range(0, widths.Count - 1).Sum(j => widths[j] * widths[j + 1]);
}
