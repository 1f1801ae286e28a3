using Slt.Platform;
using System.Globalization;
using static TorchSharp.torch;

namespace Slt.GroundTruth;

/// <summary>
/// A potential K(w) = Σ_j Π_i w_i^{2 k_ij} on the box [−1, 1]^d with the uniform prior: the textbook normal crossings of
/// singular learning theory, whose learning coefficient is known exactly (Watanabe, "Algebraic Geometry and
/// Statistical Learning Theory", 2009, ch. 2 and 7).
/// </summary>
/// <remarks>
/// Notation (docs/ground-truth.md §2): terms separated by <c>;</c>, each a comma-separated list of the exponents k_i of one
/// monomial, so <c>"1,1"</c> = w₁²w₂² and <c>"1,0;0,2"</c> = w₁² + w₂⁴. Every term names every variable.
/// </remarks>
public sealed record NormalCrossingPotential
{
    /// <summary>Exponents[j][i] = k_ij: term j contains w_i^{2 k_ij}.</summary>
    public IReadOnlyList<int[]> Exponents { get; }

    /// <summary>Number of variables d.</summary>
    public int Dimension { get; }

    /// <summary>The notation it was built from, normalised (e.g. <c>"1,0;0,2"</c>).</summary>
    public string Notation { get; }

    public NormalCrossingPotential(IReadOnlyList<int[]> exponents)
    {
        ArgumentNullException.ThrowIfNull(exponents);
        if (exponents.Count == 0) throw new ArgumentException("A potential needs at least one term.", nameof(exponents));
        int d = exponents[0].Length;
        if (d == 0) throw new ArgumentException("A term needs at least one variable.", nameof(exponents));
        foreach (var term in exponents)
        {
            if (term.Length != d)
                throw new ArgumentException($"Every term must list {d} exponents (one per variable); got {term.Length}.", nameof(exponents));
            if (term.Any(k => k < 0 || k > 8))
                throw new ArgumentOutOfRangeException(nameof(exponents), string.Join(",", term), "Exponents k must lie in 0..8.");
            if (term.All(k => k == 0))
                throw new ArgumentException("A term with all exponents 0 is a constant; drop it.", nameof(exponents));
        }
        Exponents = exponents.Select(t => t.ToArray()).ToArray();
        Dimension = d;
        Notation = string.Join(";", Exponents.Select(t => string.Join(",", t)));
    }

    /// <summary>Parses docs/ground-truth.md's notation, e.g. <c>"1,1"</c> or <c>"1,0;0,2"</c>.</summary>
    /// <exception cref="FormatException">The text is not a list of terms of non-negative integers.</exception>
    public static NormalCrossingPotential Parse(string terms)
    {
        if (string.IsNullOrWhiteSpace(terms)) throw new FormatException("Potential terms are empty; expected e.g. \"1,1\" or \"1,0;0,2\".");
        var parsed = terms.Split(';', StringSplitOptions.TrimEntries).Select(term => term.Split(',', StringSplitOptions.TrimEntries).Select(k =>
            int.TryParse(k, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)
                ? v : throw new FormatException($"'{k}' in potential terms \"{terms}\" is not an integer exponent.")).ToArray()).ToList();
        try { return new NormalCrossingPotential(parsed); }
        catch (ArgumentException e) { throw new FormatException($"Potential terms \"{terms}\": {e.Message}", e); }
    }

    /// <summary>Names of the variables: w1, …, wd (the names masks refer to).</summary>
    public IReadOnlyList<string> VariableNames => Enumerable.Range(1, Dimension).Select(i => $"w{i}").ToArray();

    /// <summary>K at one point.</summary>
    public double Evaluate(ReadOnlySpan<double> w)
    {
        double sum = 0;
        foreach (var term in Exponents)
        {
            double p = 1;
            for (int i = 0; i < Dimension; i++) if (term[i] > 0) p *= Math.Pow(w[i] * w[i], term[i]);
            sum += p;
        }
        return sum;
    }

    /// <summary>K for a batch: <paramref name="w"/>[i] holds variable i for every chain (same shape each); returns that shape.</summary>
    public Tensor Evaluate(IReadOnlyList<Tensor> w)
    {
        if (w.Count != Dimension) throw new ArgumentException($"Expected {Dimension} variables, got {w.Count}.", nameof(w));
        Tensor? sum = null;
        foreach (var term in Exponents)
        {
            Tensor? p = null;
            for (int i = 0; i < Dimension; i++)
            {
                if (term[i] == 0) continue;
                var f = term[i] == 1 ? w[i].Squared() : w[i].Squared().pow(Scalars.Of((long)term[i]));
                p = p is null ? f : p * f;
            }
            sum = sum is null ? p! : sum.Plus(p!);
        }
        return sum!;
    }

    /// <summary>
    /// The variables grouped into connected blocks (two variables are connected when a term contains both). Terms in
    /// different blocks involve disjoint variables, so Z factorises and λ, E_t[tK] add (docs/ground-truth.md §2).
    /// </summary>
    public IReadOnlyList<(int[] Variables, int[][] Terms)> DisjointBlocks()
    {
        int d = Dimension;
        var parent = Enumerable.Range(0, d).ToArray();
        int Find(int i) => parent[i] == i ? i : parent[i] = Find(parent[i]);
        foreach (var term in Exponents)
        {
            var used = Enumerable.Range(0, d).Where(i => term[i] > 0).ToArray();
            for (int a = 1; a < used.Length; a++) parent[Find(used[a])] = Find(used[0]);
        }
        var blocks = new List<(int[], int[][])>();
        foreach (var root in Enumerable.Range(0, d).Select(Find).Distinct())
        {
            var vars = Enumerable.Range(0, d).Where(i => Find(i) == root).ToArray();
            var terms = Exponents.Where(t => vars.Any(i => t[i] > 0)).Select(t => vars.Select(i => t[i]).ToArray()).ToArray();
            if (terms.Length > 0) blocks.Add((vars, terms));
        }
        return blocks;
    }

    /// <summary>
    /// The real log canonical threshold λ and its multiplicity m, where the rules of docs/ground-truth.md §2 determine them:
    /// a single monomial (λ = min_i 1/(2k_i), m = #argmin) and sums of blocks in disjoint variables (λ and m − 1 add).
    /// Null for a block whose terms share variables (e.g. w₁² + w₁²w₂²), where no closed form is coded.
    /// </summary>
    public (double Lambda, int Multiplicity)? LearningCoefficient()
    {
        double lambda = 0;
        int m = 1;
        foreach (var (_, terms) in DisjointBlocks())
        {
            if (terms.Length != 1) return null;
            var ks = terms[0].Where(k => k > 0).ToArray();
            double l = ks.Min(k => 1.0 / (2 * k));
            int mult = ks.Count(k => Math.Abs(1.0 / (2 * k) - l) < 1e-15);
            lambda += l;
            m += mult - 1;
        }
        return (lambda, m);
    }

    public override string ToString() => Notation;
}
