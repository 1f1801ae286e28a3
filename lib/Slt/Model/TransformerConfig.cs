using System.Text.Json;
using System.Text.Json.Serialization;

namespace Slt.Model;

/// <summary>
/// The architecture of the decoder-only <see cref="Transformer"/>. Two configs are the same architecture exactly when
/// they are equal as records.
/// </summary>
/// <param name="VocabularySize">|S|, 2 ≤ · ≤ 100,000.</param>
/// <param name="ContextLength">C, the longest input (positions), 2 ≤ · ≤ 4096.</param>
/// <param name="ModelDimension">d, width of the residual stream; a multiple of <see cref="Heads"/>; default 64.</param>
/// <param name="Layers">Number of blocks, 1 ≤ · ≤ 48; default 2.</param>
/// <param name="Heads">Attention heads per block, 1 ≤ · ≤ d; default 4 (head width d / heads).</param>
/// <param name="Mlp">Whether each block has an MLP after attention (false = attention-only); default true.</param>
/// <param name="MlpDimension">Hidden width of the MLP (ignored without MLP); default 4d when 0.</param>
/// <param name="LayerNorm">Pre-LayerNorm before attention, MLP and unembedding; default true. With linear attention there is
/// never a LayerNorm before the attention (the flag then governs the MLP's pre-norm and the final norm).</param>
/// <param name="Attention">Softmax (default) or linear attention (<see cref="AttentionKind"/>). Omitted from the JSON when
/// softmax, so the softmax configs (and the training cache's recipe hashes) read and write as before.</param>
public sealed record TransformerConfig(
    int VocabularySize,
    int ContextLength,
    int ModelDimension = 64,
    int Layers = 2,
    int Heads = 4,
    bool Mlp = true,
    int MlpDimension = 0,
    bool LayerNorm = true,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] AttentionKind Attention = AttentionKind.Softmax)
{
    private static JsonSerializerOptions JsonOptions => Configuration.ConfigurationJson.Options;

    /// <summary>d / heads.</summary>
    [JsonIgnore]
    public int HeadDimension => ModelDimension / Heads;

    /// <summary>The MLP's hidden width actually used.</summary>
    [JsonIgnore]
    public int MlpHidden => MlpDimension == 0 ? 4 * ModelDimension : MlpDimension;

    /// <summary>Throws a parameter-naming exception if a field is out of range; returns this config otherwise.</summary>
    public TransformerConfig Validate()
    {
        if (VocabularySize is < 2 or > 100_000)
            throw new ArgumentOutOfRangeException(nameof(VocabularySize), VocabularySize, "vocabularySize must be in [2, 100000].");
        if (ContextLength is < 2 or > 4096)
            throw new ArgumentOutOfRangeException(nameof(ContextLength), ContextLength, "contextLength must be in [2, 4096].");
        if (ModelDimension is < 1 or > 8192)
            throw new ArgumentOutOfRangeException(nameof(ModelDimension), ModelDimension, "modelDimension must be in [1, 8192].");
        if (Layers is < 1 or > 48)
            throw new ArgumentOutOfRangeException(nameof(Layers), Layers, "layers must be in [1, 48].");
        if (Heads < 1 || Heads > ModelDimension || ModelDimension % Heads != 0)
            throw new ArgumentOutOfRangeException(nameof(Heads), Heads, $"heads must divide modelDimension = {ModelDimension}.");
        if (MlpDimension is < 0 or > 65536)
            throw new ArgumentOutOfRangeException(nameof(MlpDimension), MlpDimension, "mlpDimension must be in [0, 65536] (0 = 4 × modelDimension).");
        if (!Enum.IsDefined(Attention))
            throw new ArgumentOutOfRangeException(nameof(Attention), Attention, "attention must be softmax or linear.");
        return this;
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static TransformerConfig FromJson(string json, string source = "transformer config")
    {
        try
        {
            return (JsonSerializer.Deserialize<TransformerConfig>(json, JsonOptions)
                    ?? throw new InvalidDataException($"{source} is empty.")).Validate();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source} is not a valid transformer config: {e.Message}", e);
        }
    }

    /// <summary>The default model for a corpus: 2 layers, 4 heads, d = 64, with MLP and LayerNorm.</summary>
    public static TransformerConfig For(Slt.Truth.CorpusSpec spec) =>
        new TransformerConfig(new Slt.Truth.Vocabulary(spec).Count, spec.ContextLength).Validate();
}
