using Slt.Model;
using Slt.Truth;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Additivity;

/// <summary>
/// A transformer whose contexts use disjoint weights by construction: one <see cref="Transformer"/> per token family
/// (the part of family f has weights u_f), joined into one model with weights w = (u_1, …, u_F), W = U_1 × ⋯ × U_F, whose
/// forward pass sends each window to its family's part. Then p(y | x, w) = p_{f(x)}(y | x, u_{f(x)}), the loss of a
/// sample splits as n L_n(w) = Σ_f n_f L^f(u_f), and K(w) = Σ_f K_f(u_f) on disjoint coordinates: the setting of SLT's
/// divide-and-conquer step, λ(w) = Σ_f λ_f(u_f) (docs/additivity.md §2).
/// </summary>
/// <remarks>
/// <para>Routing rule. Window x (a row of the [B, T] int64 input) belongs to family f when it holds at least one word of f
/// (an adjective, a noun or f's marker; <see cref="Vocabulary.FamilyOf"/>) and no word of another family; the shared
/// connectives ("and", "then", ",") are neutral. A window with no family word (connectives only) or with words of two
/// families has no part to go to: forward throws an <see cref="ArgumentException"/> naming the window and its words.
/// In the corpus every window of two or more tokens holds a family word (a connective is always followed by an
/// adjective), and at burstiness 1 all of them from one family, so this never happens on the corpus's samples; it can
/// for hand-made windows, windows cut to one token, or burstiness &lt; 1.</para>
/// <para>Exactness. The rows of family f go through part f as one sub-batch and are put back in their places by an
/// index permutation: no arithmetic mixes the parts, so the joined model's logits on a family-f window are the part's on
/// that window, and the gradient of any loss of family-f windows with respect to another part's weights is zero.</para>
/// <para>Parameter names: <c>{family}.{the part's own name}</c>, e.g. <c>garage.token_embedding.weight</c> and
/// <c>zoo.blocks.0.mlp.0.weight</c> (<see cref="ParameterNamesOf"/>), so <see cref="Sampling.SgldSettings.SampledParameters"/>
/// can restrict a sampler to one part.</para>
/// </remarks>
public sealed class JoinedTransformer : nn.Module<Tensor, Tensor>
{
    private readonly Transformer[] _parts;
    private readonly int[] _familyOfToken;

    /// <summary>Joins one transformer per family of <paramref name="vocabulary"/>, in family order.</summary>
    /// <param name="vocabulary">The token set; its families name and route the parts.</param>
    /// <param name="parts">parts[f] is family f's model; all must predict over the whole vocabulary, with the same C.</param>
    /// <exception cref="ArgumentException">The number of parts is not the number of families, a part's vocabulary size or
    /// context length differs, a family's name contains '.', or one model is passed twice.</exception>
    public JoinedTransformer(Vocabulary vocabulary, IReadOnlyList<Transformer> parts) : base(nameof(JoinedTransformer))
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count != vocabulary.FamilyNames.Count)
            throw new ArgumentException($"Give one part per family: the vocabulary has {vocabulary.FamilyNames.Count} ({string.Join(", ", vocabulary.FamilyNames)}), got {parts.Count} parts.", nameof(parts));
        for (int f = 0; f < parts.Count; f++)
        {
            var part = parts[f] ?? throw new ArgumentException($"parts[{f}] is null.", nameof(parts));
            string name = vocabulary.FamilyNames[f];
            if (name.Contains('.'))
                throw new ArgumentException($"Family name '{name}' contains '.', which would make its parameter names ambiguous.", nameof(vocabulary));
            if (part.VocabularySize != vocabulary.Count)
                throw new ArgumentException($"Part '{name}' predicts over {part.VocabularySize} tokens but the vocabulary has {vocabulary.Count}: every part must predict over the whole token set.", nameof(parts));
            if (part.Config.ContextLength != parts[0].Config.ContextLength)
                throw new ArgumentException($"Part '{name}' has context length {part.Config.ContextLength}, part '{vocabulary.FamilyNames[0]}' {parts[0].Config.ContextLength}: the parts must share C.", nameof(parts));
            for (int g = 0; g < f; g++)
                if (ReferenceEquals(parts[g], part))
                    throw new ArgumentException($"Parts '{vocabulary.FamilyNames[g]}' and '{name}' are the same model: the parts must have disjoint weights.", nameof(parts));
        }
        Vocabulary = vocabulary;
        _parts = parts.ToArray();
        _familyOfToken = vocabulary.FamilyOf.ToArray();
        for (int f = 0; f < _parts.Length; f++) register_module(vocabulary.FamilyNames[f], _parts[f]);
    }

    /// <summary>The token set whose families route the windows.</summary>
    public Vocabulary Vocabulary { get; }

    /// <summary>The families' names, in index order (the parts' parameter-name prefixes).</summary>
    public IReadOnlyList<string> FamilyNames => Vocabulary.FamilyNames;

    /// <summary>The parts, family f's at index f.</summary>
    public IReadOnlyList<Transformer> Parts => _parts;

    /// <summary>C, the longest window.</summary>
    public int ContextLength => _parts[0].Config.ContextLength;

    /// <summary>|S|.</summary>
    public int VocabularySize => Vocabulary.Count;

    /// <summary>The names (in this model's <c>named_parameters()</c>) of family f's part: its weights u_f.</summary>
    public IReadOnlyList<string> ParameterNamesOf(int family)
    {
        CheckFamily(family);
        string prefix = FamilyNames[family] + ".";
        return named_parameters().Select(p => p.name).Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToArray();
    }

    /// <summary>The index of a family by name.</summary>
    /// <exception cref="ArgumentException">No family has that name.</exception>
    public int FamilyIndex(string name)
    {
        for (int f = 0; f < FamilyNames.Count; f++)
            if (string.Equals(FamilyNames[f], name, StringComparison.Ordinal)) return f;
        throw new ArgumentException($"No family named '{name}'; the parts are: {string.Join(", ", FamilyNames)}.", nameof(name));
    }

    /// <summary>The family each window is routed to (see the routing rule in the remarks).</summary>
    /// <param name="windows">[B, T] int64 token ids.</param>
    /// <exception cref="ArgumentException">Not [B, T]; a token id is out of range; a window has no family word or words of two families.</exception>
    public int[] Route(Tensor windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        if (windows.dim() != 2) throw new ArgumentException($"windows must be [B, T]; got shape [{string.Join(", ", windows.shape)}].", nameof(windows));
        int b = (int)windows.shape[0], t = (int)windows.shape[1];
        using var cpu = windows.to_type(ScalarType.Int64).cpu();
        var ids = cpu.data<long>().ToArray();
        var route = new int[b];
        for (int i = 0; i < b; i++) route[i] = RouteOne(ids.AsSpan(i * t, t), i);
        return route;
    }

    /// <summary>The family of one window of token ids (see the routing rule in the remarks).</summary>
    /// <exception cref="ArgumentException">A token id is out of range, or the window has no family word or words of two families.</exception>
    public int Route(ReadOnlySpan<int> window)
    {
        var ids = new long[window.Length];
        for (int i = 0; i < ids.Length; i++) ids[i] = window[i];
        return RouteOne(ids, 0);
    }

    /// <summary>Logits [B, T, |S|]: row i is part f(x_i)'s logits on window x_i.</summary>
    /// <exception cref="ArgumentException">A window has no family word or words of two families (the routing rule), or the input is not [B, T].</exception>
    public override Tensor forward(Tensor windows)
    {
        var route = Route(windows);
        int b = route.Length;
        var pieces = new List<Tensor>(_parts.Length);
        var order = new List<long>(b);
        for (int f = 0; f < _parts.Length; f++)
        {
            var rows = new List<long>();
            for (int i = 0; i < b; i++) if (route[i] == f) rows.Add(i);
            if (rows.Count == 0) continue;
            if (rows.Count == b) return _parts[f].forward(windows); // one family: the part itself
            using var index = tensor(rows.ToArray(), dtype: ScalarType.Int64, device: windows.device);
            pieces.Add(_parts[f].forward(windows.index_select(0, index)));
            order.AddRange(rows);
        }
        var dtypes = pieces.Select(p => p.dtype).Distinct().ToArray();
        if (dtypes.Length > 1)
            throw new InvalidOperationException($"The parts compute in different dtypes ({string.Join(", ", dtypes)}); convert them alike (e.g. .to(ScalarType.Float64)).");
        // Put every row back in its place: position order[j] of the input is row j of the concatenation.
        var inverse = new long[b];
        for (int j = 0; j < b; j++) inverse[order[j]] = j;
        using var back = tensor(inverse, dtype: ScalarType.Int64, device: windows.device);
        return cat(pieces.ToArray(), 0).index_select(0, back);
    }

    /// <summary>log p(· | t_1..t_l, w) for all l, [B, T, |S|].</summary>
    public Tensor LogProbabilities(Tensor windows) => forward(windows).log_softmax(-1);

    /// <summary>A new joined model of the same architecture (each part's <see cref="Transformer.SameArchitecture"/>: same
    /// configs, dtype, device and train/eval mode, fresh weights): a worker for chains run in parallel.</summary>
    public JoinedTransformer SameArchitecture()
    {
        var copy = new JoinedTransformer(Vocabulary, _parts.Select(p => p.SameArchitecture()).ToArray());
        if (!training) copy.eval();
        return copy;
    }

    private int RouteOne(ReadOnlySpan<long> ids, int index)
    {
        int found = -1;
        foreach (long id in ids)
        {
            if (id < 0 || id >= _familyOfToken.Length)
                throw new ArgumentException($"Window {index}: token id {id} is not in [0, {_familyOfToken.Length}).", "windows");
            int f = _familyOfToken[id];
            if (f < 0 || f == found) continue;
            if (found >= 0)
                throw new ArgumentException(
                    $"Window {index} holds words of two families ({FamilyNames[found]} and {FamilyNames[f]}): \"{Decode(ids)}\". " +
                    "A joined model routes each window to one family's part, so a window may hold words of one family only.", "windows");
            found = f;
        }
        if (found < 0)
            throw new ArgumentException(
                $"Window {index} has no family word (connectives only): \"{Decode(ids)}\". A joined model routes a window by its " +
                "family's words; give it at least one adjective, noun or marker.", "windows");
        return found;
    }

    private string Decode(ReadOnlySpan<long> ids)
    {
        var words = new string[ids.Length];
        for (int i = 0; i < ids.Length; i++) words[i] = Vocabulary.Tokens[(int)ids[i]];
        return string.Join(' ', words);
    }

    private void CheckFamily(int family)
    {
        if (family < 0 || family >= _parts.Length)
            throw new ArgumentOutOfRangeException(nameof(family), family, $"family must be in [0, {_parts.Length}) ({string.Join(", ", FamilyNames)}).");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) foreach (var p in _parts) p.Dispose();
        base.Dispose(disposing);
    }
}
