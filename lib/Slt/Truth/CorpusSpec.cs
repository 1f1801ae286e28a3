using System.Text.Json;
using System.Text.Json.Serialization;

namespace Slt.Truth;

/// <summary>
/// Everything that defines a toy corpus and its exact truth q, as a small JSON file (see <c>data/default.corpus.json</c>).
/// </summary>
/// <remarks>
/// Generative story of one window of <see cref="ContextLength"/> tokens: draw a task k from Zipf(α) over the
/// <c>TasksPerFamily × Families.Count</c> tasks (tasks of the families interleaved, so every family has frequent and rare
/// tasks); draw the first token from the stationary distribution of task k's chain; then, token by token, keep the task
/// with probability <see cref="Burstiness"/> (else redraw it from the prior), move the role grammar one step
/// (<see cref="TokenRole"/>) and emit a word of that role from the task's preferences. A task's preferences over each
/// role's words are <c>(1 − s)·Dirichlet(β) + s·(family base)</c> with s = <see cref="SharedWeight"/> and
/// β = <see cref="TaskConcentration"/>: tasks of one family overlap on the same words, so one or two tokens do not
/// identify a task; evidence accumulates gradually, as in language.
/// </remarks>
/// <param name="Name">A label for reports.</param>
/// <param name="Seed">Fixes the tasks' preferences and the shipped sample.</param>
/// <param name="ContextLength">C, the window length: C − 1 input/output pairs per window. 2 ≤ C ≤ 1024; default 32.</param>
/// <param name="Families">Token families on disjoint word sets (at least 1).</param>
/// <param name="Connectives">Words shared by all families (may be empty only if <see cref="ConnectiveProbability"/> is 0).</param>
/// <param name="TasksPerFamily">Number of tasks in each family, 1 ≤ · ≤ 256; default 64.</param>
/// <param name="ZipfExponent">α ≥ 0 of the task prior π_k ∝ (k + 1)^{−α}; 0 gives uniform tasks; default 1.</param>
/// <param name="Burstiness">Probability in (0, 1] that the task persists to the next token; 1 = one task per window.</param>
/// <param name="TaskConcentration">β &gt; 0 of the Dirichlet that makes each task's preferences; small = peaked; default 0.3.</param>
/// <param name="SharedWeight">s in [0, 1): weight of the family's shared base preferences in every task; default 0.3.</param>
/// <param name="ConnectiveProbability">c in [0, 1): probability of a connective after a noun; default 0.4.</param>
/// <param name="SampleWindows">Number of windows in the shipped sample corpus (1 ≤ · ≤ 1,000,000); default 256.</param>
/// <param name="FamilyMarkers">
/// If true, every window starts with a context marker <c>&lt;family&gt;</c> naming the family of its task (then the
/// task's chain from its stationary law). The marker is deliberately ambiguous: it names the family, not the task.
/// Default false.
/// </param>
public sealed record CorpusSpec(
    string Name,
    long Seed,
    int ContextLength,
    IReadOnlyList<TokenFamily> Families,
    IReadOnlyList<string> Connectives,
    int TasksPerFamily = 64,
    double ZipfExponent = 1.0,
    double Burstiness = 1.0,
    double TaskConcentration = 0.3,
    double SharedWeight = 0.3,
    double ConnectiveProbability = 0.4,
    int SampleWindows = 256,
    bool FamilyMarkers = false)
{
    private static JsonSerializerOptions JsonOptions => Configuration.ConfigurationJson.Options;

    /// <summary>Number of tasks, <c>TasksPerFamily × Families.Count</c>.</summary>
    [JsonIgnore]
    public int TaskCount => TasksPerFamily * Families.Count;

    /// <summary>Throws a parameter-naming exception if any field is out of range; returns this spec otherwise.</summary>
    public CorpusSpec Validate()
    {
        if (string.IsNullOrWhiteSpace(Name)) throw new ArgumentException("name must be a non-empty string.", nameof(Name));
        if (ContextLength is < 2 or > 1024)
            throw new ArgumentOutOfRangeException(nameof(ContextLength), ContextLength, "contextLength must be in [2, 1024].");
        if (Families is null || Families.Count == 0)
            throw new ArgumentException("families must list at least one token family.", nameof(Families));
        if (Connectives is null) throw new ArgumentException("connectives must be a list (it may be empty).", nameof(Connectives));
        for (int i = 0; i < Families.Count; i++)
        {
            if (Families[i] is null) throw new ArgumentException($"families[{i}] is null.", nameof(Families));
            Families[i].Validate(i);
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string token in Families.SelectMany(f => f.Adjectives.Concat(f.Nouns)).Concat(Connectives))
        {
            if (string.IsNullOrWhiteSpace(token) || token.Any(char.IsWhiteSpace))
                throw new ArgumentException($"token '{token}' must be non-empty and contain no whitespace.", nameof(Families));
            if (!seen.Add(token))
                throw new ArgumentException($"token '{token}' appears twice; families must use disjoint tokens and connectives must be distinct.", nameof(Families));
        }
        if (FamilyMarkers)
            foreach (var family in Families)
                if (!seen.Add(Vocabulary.MarkerOf(family.Name)))
                    throw new ArgumentException($"the family marker '{Vocabulary.MarkerOf(family.Name)}' is already a token or two families share a name.", nameof(FamilyMarkers));
        if (TasksPerFamily is < 1 or > 256)
            throw new ArgumentOutOfRangeException(nameof(TasksPerFamily), TasksPerFamily, "tasksPerFamily must be in [1, 256].");
        if (!(ZipfExponent >= 0 && ZipfExponent <= 10))
            throw new ArgumentOutOfRangeException(nameof(ZipfExponent), ZipfExponent, "zipfExponent must be in [0, 10].");
        if (!(Burstiness > 0 && Burstiness <= 1))
            throw new ArgumentOutOfRangeException(nameof(Burstiness), Burstiness, "burstiness must be in (0, 1].");
        if (!(TaskConcentration > 0 && TaskConcentration <= 1000))
            throw new ArgumentOutOfRangeException(nameof(TaskConcentration), TaskConcentration, "taskConcentration must be in (0, 1000].");
        if (!(SharedWeight >= 0 && SharedWeight < 1))
            throw new ArgumentOutOfRangeException(nameof(SharedWeight), SharedWeight, "sharedWeight must be in [0, 1).");
        if (!(ConnectiveProbability >= 0 && ConnectiveProbability < 1))
            throw new ArgumentOutOfRangeException(nameof(ConnectiveProbability), ConnectiveProbability, "connectiveProbability must be in [0, 1).");
        if (ConnectiveProbability > 0 && Connectives.Count == 0)
            throw new ArgumentException("connectiveProbability > 0 needs at least one connective.", nameof(Connectives));
        if (SampleWindows is < 1 or > 1_000_000)
            throw new ArgumentOutOfRangeException(nameof(SampleWindows), SampleWindows, "sampleWindows must be in [1, 1000000].");
        return this;
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Parses and validates a spec; malformed JSON or unknown fields give an <see cref="InvalidDataException"/>.</summary>
    public static CorpusSpec FromJson(string json, string source = "corpus spec")
    {
        CorpusSpec? spec;
        try
        {
            spec = JsonSerializer.Deserialize<CorpusSpec>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source} is not a valid corpus spec: {e.Message}", e);
        }
        if (spec is null) throw new InvalidDataException($"{source} is empty.");
        return spec.Validate();
    }

    /// <summary>Loads and validates a spec file.</summary>
    public static CorpusSpec Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Corpus spec '{path}' does not exist.", path);
        return FromJson(File.ReadAllText(path), $"'{path}'");
    }

    /// <summary>The default spec shipped as <c>data/default.corpus.json</c>, built in code so it needs no file.</summary>
    public static CorpusSpec Default { get; } = new CorpusSpec(
        Name: "default",
        Seed: 20261127,
        ContextLength: 32,
        Families:
        [
            new TokenFamily("garage",
                ["red", "blue", "green", "black", "white", "silver", "yellow", "orange", "grey", "brown", "purple", "gold"],
                ["toyota", "honda", "ford", "bmw", "audi", "fiat", "volvo", "tesla", "mazda", "kia", "skoda", "opel"]),
            new TokenFamily("zoo",
                ["happy", "sleepy", "hungry", "tiny", "huge", "angry", "shy", "noisy", "lazy", "brave", "clever", "fluffy"],
                ["cat", "dog", "lion", "tiger", "zebra", "panda", "otter", "koala", "camel", "horse", "mouse", "eagle"]),
        ],
        Connectives: ["and", "then", ","]).Validate();

    /// <summary>A stable fingerprint of the spec's content (for caches and checkpoints).</summary>
    public string ContentHash()
    {
        var bytes = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(ToJson()));
        return Convert.ToHexString(bytes, 0, 8).ToLowerInvariant();
    }
}
