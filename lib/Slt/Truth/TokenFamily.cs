namespace Slt.Truth;

/// <summary>
/// A family of tasks and the tokens only it uses: words in two grammatical roles, adjectives (e.g. colours) and nouns
/// (e.g. car makes). Families have disjoint token sets, so later work can study contexts that live on disjoint weights.
/// </summary>
/// <param name="Name">A readable name, e.g. "garage".</param>
/// <param name="Adjectives">The family's adjective tokens (at least 2).</param>
/// <param name="Nouns">The family's noun tokens (at least 2).</param>
public sealed record TokenFamily(string Name, IReadOnlyList<string> Adjectives, IReadOnlyList<string> Nouns)
{
    internal void Validate(int index)
    {
        if (string.IsNullOrWhiteSpace(Name))
            throw new ArgumentException($"families[{index}].name must be a non-empty string.", nameof(Name));
        if (Adjectives is null || Adjectives.Count < 2)
            throw new ArgumentOutOfRangeException(nameof(Adjectives), Adjectives?.Count, $"families[{index}] ('{Name}') needs at least 2 adjectives.");
        if (Nouns is null || Nouns.Count < 2)
            throw new ArgumentOutOfRangeException(nameof(Nouns), Nouns?.Count, $"families[{index}] ('{Name}') needs at least 2 nouns.");
    }
}
