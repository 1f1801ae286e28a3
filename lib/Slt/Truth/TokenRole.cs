namespace Slt.Truth;

/// <summary>
/// The grammatical role of a token. Every task shares the same role grammar, a Markov chain on roles:
/// adjective → noun; noun → connective (probability c) or adjective (1 − c); connective → adjective.
/// What a task decides is which word fills each role.
/// </summary>
public enum TokenRole
{
    Adjective = 0,
    Noun = 1,
    Connective = 2,

    /// <summary>A family marker such as <c>&lt;garage&gt;</c>, only at the start of a window (see <c>CorpusSpec.FamilyMarkers</c>).</summary>
    Marker = 3,
}
