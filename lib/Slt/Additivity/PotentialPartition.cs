using System.Globalization;
using Slt.GroundTruth;

namespace Slt.Additivity;

/// <summary>
/// A potential K = Σ_j T_j (docs/ground-truth.md §2) and a partition of its terms into parts K_p = Σ_{j ∈ P_p} T_j, each
/// part a potential in its own variables (those its terms use). When the parts use disjoint variables,
/// Z(t) = Π_p Z_p(t) and log Z, E_t[tK] and λ add; with shared variables they need not (docs/additivity.md §1).
/// </summary>
/// <remarks>
/// Notation of <see cref="Parse"/>: groups of term indices (0-based, in the order of the whole's terms) separated by
/// <c>;</c>, e.g. <c>"0,1;2"</c>. Every term must be in exactly one part, and there must be at least two parts.
/// </remarks>
public sealed record PotentialPartition
{
    /// <summary>The whole potential K.</summary>
    public NormalCrossingPotential Whole { get; }

    /// <summary>Parts[p] = the indices of the whole's terms in part p, ascending.</summary>
    public IReadOnlyList<int[]> Parts { get; }

    /// <summary>Variables[p] = the whole's variable indices (0-based) that part p's terms use, ascending.</summary>
    public IReadOnlyList<int[]> Variables { get; }

    /// <summary>Potentials[p] = part p as a potential in its own variables (the columns of <see cref="Variables"/>[p]).</summary>
    public IReadOnlyList<NormalCrossingPotential> Potentials { get; }

    /// <summary>Validates that <paramref name="parts"/> partitions the whole's terms into at least two non-empty parts.</summary>
    /// <exception cref="ArgumentException">A part is empty, an index is out of range, a term is in two parts or in none,
    /// or there are fewer than two parts (the message names which).</exception>
    public PotentialPartition(NormalCrossingPotential whole, IReadOnlyList<IReadOnlyList<int>> parts)
    {
        ArgumentNullException.ThrowIfNull(whole);
        ArgumentNullException.ThrowIfNull(parts);
        int terms = whole.Exponents.Count;
        if (parts.Count < 2)
            throw new ArgumentException($"Additivity needs at least two parts; got {parts.Count} for \"{whole.Notation}\" ({terms} term(s)).", nameof(parts));
        var owner = new int?[terms];
        for (int p = 0; p < parts.Count; p++)
        {
            if (parts[p] is null || parts[p].Count == 0) throw new ArgumentException($"Part {p + 1} is empty.", nameof(parts));
            foreach (int j in parts[p])
            {
                if (j < 0 || j >= terms)
                    throw new ArgumentException($"Part {p + 1} names term {j}, out of range: \"{whole.Notation}\" has terms 0..{terms - 1}.", nameof(parts));
                if (owner[j] is int q)
                    throw new ArgumentException(q == p
                        ? $"Part {p + 1} names term {j} twice."
                        : $"Parts overlap: term {j} is in part {q + 1} and part {p + 1}.", nameof(parts));
                owner[j] = p;
            }
        }
        var missing = Enumerable.Range(0, terms).Where(j => owner[j] is null).ToArray();
        if (missing.Length > 0)
            throw new ArgumentException($"The parts miss term(s) {string.Join(", ", missing)} of \"{whole.Notation}\": every term must be in exactly one part.", nameof(parts));
        Whole = whole;
        Parts = parts.Select(p => p.OrderBy(j => j).ToArray()).ToArray();
        Variables = Parts.Select(p => Enumerable.Range(0, whole.Dimension).Where(i => p.Any(j => whole.Exponents[j][i] > 0)).ToArray()).ToArray();
        Potentials = Parts.Select((p, k) => new NormalCrossingPotential(p.Select(j => Variables[k].Select(i => whole.Exponents[j][i]).ToArray()).ToArray())).ToArray();
    }

    /// <summary>The default split: one part per block of connected variables (<see cref="NormalCrossingPotential.DisjointBlocks"/>).</summary>
    /// <exception cref="ArgumentException">The whole is one block (give the parts explicitly).</exception>
    public static PotentialPartition Blocks(NormalCrossingPotential whole)
    {
        ArgumentNullException.ThrowIfNull(whole);
        var blocks = whole.DisjointBlocks();
        if (blocks.Count < 2)
            throw new ArgumentException($"\"{whole.Notation}\" is one block of connected variables: name the parts as groups of term indices (e.g. \"0;1\").", nameof(whole));
        var parts = blocks.Select(b => (IReadOnlyList<int>)Enumerable.Range(0, whole.Exponents.Count)
            .Where(j => b.Variables.Any(i => whole.Exponents[j][i] > 0)).ToArray()).ToArray();
        return new PotentialPartition(whole, parts);
    }

    /// <summary>Parses groups of term indices, e.g. <c>"0,1;2"</c>, and validates them against <paramref name="whole"/>.</summary>
    /// <exception cref="FormatException">An index is not an integer.</exception>
    /// <exception cref="ArgumentException">The groups do not partition the terms (see the constructor).</exception>
    public static PotentialPartition Parse(NormalCrossingPotential whole, string parts)
    {
        ArgumentNullException.ThrowIfNull(whole);
        if (string.IsNullOrWhiteSpace(parts)) throw new FormatException("Parts are empty; expected groups of term indices such as \"0,1;2\".");
        var groups = parts.Split(';', StringSplitOptions.TrimEntries).Select(g => (IReadOnlyList<int>)(g.Length == 0 ? [] :
            g.Split(',', StringSplitOptions.TrimEntries).Select(s =>
                int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)
                    ? v : throw new FormatException($"'{s}' in parts \"{parts}\" is not a term index.")).ToArray())).ToArray();
        return new PotentialPartition(whole, groups);
    }

    /// <summary>Whether no two parts share a variable (then Z factorises exactly).</summary>
    public bool Disjoint => Variables.SelectMany(v => v).GroupBy(i => i).All(g => g.Count() == 1);

    /// <summary>The parts in the notation of <see cref="Parse"/>, e.g. <c>"0,1;2"</c>.</summary>
    public string Notation => string.Join(";", Parts.Select(p => string.Join(",", p)));

    /// <summary>Part p written as a sum of monomials in the whole's variables, e.g. <c>w1^2 + w1^2 w2^2</c>.</summary>
    public string Formula(int p) => FormulaOf(Parts[p]);

    /// <summary>The whole written as a sum of monomials.</summary>
    public string WholeFormula => FormulaOf(Enumerable.Range(0, Whole.Exponents.Count).ToArray());

    private string FormulaOf(IEnumerable<int> terms) => string.Join(" + ", terms.Select(j =>
        string.Join(" ", Enumerable.Range(0, Whole.Dimension).Where(i => Whole.Exponents[j][i] > 0).Select(i => $"w{i + 1}^{2 * Whole.Exponents[j][i]}"))));
}
