namespace Slt.Truth;

/// <summary>
/// The token set S: each family's adjectives then nouns, then the shared connectives. Token ids are indices into
/// <see cref="Tokens"/>. Knows each token's role and family (−1 for connectives, which belong to no family).
/// </summary>
public sealed class Vocabulary
{
    private readonly Dictionary<string, int> _ids;

    public Vocabulary(CorpusSpec spec)
    {
        spec.Validate();
        var tokens = new List<string>();
        var roles = new List<TokenRole>();
        var families = new List<int>();
        for (int f = 0; f < spec.Families.Count; f++)
        {
            foreach (string a in spec.Families[f].Adjectives) { tokens.Add(a); roles.Add(TokenRole.Adjective); families.Add(f); }
            foreach (string n in spec.Families[f].Nouns) { tokens.Add(n); roles.Add(TokenRole.Noun); families.Add(f); }
        }
        foreach (string c in spec.Connectives) { tokens.Add(c); roles.Add(TokenRole.Connective); families.Add(-1); }
        if (spec.FamilyMarkers)
            for (int f = 0; f < spec.Families.Count; f++) { tokens.Add(MarkerOf(spec.Families[f].Name)); roles.Add(TokenRole.Marker); families.Add(f); }
        Tokens = tokens;
        Roles = roles;
        FamilyOf = families;
        FamilyNames = spec.Families.Select(f => f.Name).ToArray();
        _ids = tokens.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i, StringComparer.Ordinal);
    }

    /// <summary>The context-marker token of a family, <c>&lt;name&gt;</c>.</summary>
    public static string MarkerOf(string familyName) => $"<{familyName}>";

    /// <summary>The tokens in id order.</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>The role of each token id.</summary>
    public IReadOnlyList<TokenRole> Roles { get; }

    /// <summary>The family index of each token id; −1 for connectives.</summary>
    public IReadOnlyList<int> FamilyOf { get; }

    public IReadOnlyList<string> FamilyNames { get; }

    /// <summary>|S|.</summary>
    public int Count => Tokens.Count;

    public int Id(string token) => _ids.TryGetValue(token, out int id)
        ? id
        : throw new ArgumentException($"'{token}' is not in the vocabulary.", nameof(token));

    /// <summary>Token ids as space-separated words.</summary>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var words = new string[ids.Length];
        for (int i = 0; i < ids.Length; i++)
            words[i] = ids[i] >= 0 && ids[i] < Count ? Tokens[ids[i]] : throw new ArgumentOutOfRangeException(nameof(ids), ids[i], $"token ids must be in [0, {Count}).");
        return string.Join(' ', words);
    }

    /// <summary>Space-separated words to token ids.</summary>
    public int[] Encode(string text) =>
        text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Id).ToArray();
}
