using System.Text.Json;
using System.Text.Json.Nodes;
using Slt.Model;
using Slt.Truth;

namespace Slt.Training;

/// <summary>
/// A complete training recipe: the corpus spec, the architecture and the optimiser settings. As a file
/// (<c>data/default.train.json</c>): <c>{ "corpus": "default.corpus.json" | {spec…}, "model": {…}, "training": {…} }</c>;
/// a corpus path is relative to the file; the model's <c>vocabularySize</c> and <c>contextLength</c> may be omitted
/// (they are taken from the corpus) and must agree with it when given. An optional <c>"family": "garage"</c> trains on
/// that family's windows only (<see cref="Family"/>).
/// </summary>
public sealed record TrainingRunConfig(CorpusSpec Corpus, TransformerConfig Model, TrainingConfig Training)
{
    /// <summary>The default recipe: the default corpus, the default 2-layer transformer, the default training settings.</summary>
    public static TrainingRunConfig Default { get; } =
        new(CorpusSpec.Default, TransformerConfig.For(CorpusSpec.Default), new TrainingConfig());

    /// <summary>
    /// The linear-attention recipe (<c>data/linear-attention.train.json</c>): the default corpus and training settings, the
    /// model one layer of <see cref="AttentionKind.Linear"/> attention with 4 heads at d = 32 (MLP, LayerNorm before the MLP
    /// and the unembedding), the peak learning rate 1e-2. One layer and d = 32 keep the exact map F_C's Jacobian
    /// (d² = 1024 outputs) cheap.
    /// </summary>
    public static TrainingRunConfig LinearAttention { get; } = Default with
    {
        Model = Default.Model with { ModelDimension = 32, Layers = 1, Heads = 4, Attention = AttentionKind.Linear },
        Training = Default.Training with { LearningRate = 1e-2 },
    };

    /// <summary>
    /// Null (default): train on the whole corpus. A family's name: train (and evaluate) on windows of that family only,
    /// drawn from the truth conditioned on it (<see cref="TrueDistribution(CorpusSpec, int?)"/>: its tasks' prior
    /// renormalised), over the full vocabulary, so the model's outputs are distributions over the same token set as the
    /// whole corpus's. Written to the JSON (and so to <see cref="ContentHash"/>) only when set.
    /// </summary>
    public string? Family { get; init; }

    /// <summary>The family's index in the corpus, or null without <see cref="Family"/>.</summary>
    /// <exception cref="ArgumentException">No family of the corpus has that name.</exception>
    public int? FamilyIndex
    {
        get
        {
            if (Family is null) return null;
            for (int i = 0; i < Corpus.Families.Count; i++)
                if (string.Equals(Corpus.Families[i].Name, Family, StringComparison.Ordinal)) return i;
            throw new ArgumentException(
                $"family '{Family}' is not a family of corpus '{Corpus.Name}' ({string.Join(", ", Corpus.Families.Select(f => f.Name))}).", nameof(Family));
        }
    }

    /// <summary>This recipe trained on one family's windows only.</summary>
    public TrainingRunConfig OnFamily(string family) => (this with { Family = family }).Validate();

    /// <summary>The truth the recipe trains on: the corpus's, conditioned on <see cref="Family"/> when set.</summary>
    public TrueDistribution Truth() => new(Corpus, FamilyIndex);

    public TrainingRunConfig Validate()
    {
        Corpus.Validate(); Model.Validate(); Training.Validate();
        _ = FamilyIndex;
        var vocabulary = new Vocabulary(Corpus);
        if (Model.VocabularySize != vocabulary.Count)
            throw new ArgumentException($"model.vocabularySize = {Model.VocabularySize} but the corpus has {vocabulary.Count} tokens.", nameof(Model));
        if (Model.ContextLength != Corpus.ContextLength)
            throw new ArgumentException($"model.contextLength = {Model.ContextLength} but the corpus has C = {Corpus.ContextLength}.", nameof(Model));
        return this;
    }

    /// <summary>Self-contained JSON (the corpus spec inline).</summary>
    public string ToJson()
    {
        var json = new JsonObject
        {
            ["corpus"] = JsonNode.Parse(Corpus.ToJson()),
            ["model"] = JsonNode.Parse(Model.ToJson()),
            ["training"] = JsonSerializer.SerializeToNode(Training, TrainingConfig.JsonOptions),
        };
        if (Family is not null) json["family"] = Family;
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>A fingerprint of the recipe (for caches): same recipe, same hash.</summary>
    public string ContentHash()
    {
        var bytes = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(ToJson()));
        return Convert.ToHexString(bytes, 0, 8).ToLowerInvariant();
    }

    public static TrainingRunConfig Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Training config '{path}' does not exist.", path);
        return FromJson(File.ReadAllText(path), Path.GetDirectoryName(Path.GetFullPath(path))!, $"'{path}'");
    }

    public static TrainingRunConfig FromJson(string json, string baseDirectory, string source = "training config")
    {
        JsonObject root;
        try { root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                     ?? throw new InvalidDataException($"{source} must be a JSON object."); }
        catch (JsonException e) { throw new InvalidDataException($"{source} is not valid JSON: {e.Message}", e); }
        foreach (var (key, _) in root)
            if (key is not ("corpus" or "model" or "training" or "family"))
                throw new InvalidDataException($"{source}: unknown field '{key}' (expected corpus, model, training, family).");
        CorpusSpec corpus = root["corpus"] switch
        {
            null => CorpusSpec.Default,
            JsonValue v when v.TryGetValue(out string? p) => CorpusSpec.Load(Path.Combine(baseDirectory, p)),
            JsonObject o => CorpusSpec.FromJson(o.ToJsonString(), $"{source} corpus"),
            _ => throw new InvalidDataException($"{source}: corpus must be a path or a spec object."),
        };
        var vocabulary = new Vocabulary(corpus);
        var model = (root["model"] as JsonObject)?.DeepClone().AsObject() ?? new JsonObject();
        model.TryAdd("vocabularySize", vocabulary.Count);
        model.TryAdd("contextLength", corpus.ContextLength);
        var architecture = TransformerConfig.FromJson(model.ToJsonString(), $"{source} model");
        TrainingConfig training;
        try { training = (root["training"] ?? new JsonObject()).Deserialize<TrainingConfig>(TrainingConfig.JsonOptions)!; }
        catch (JsonException e) { throw new InvalidDataException($"{source} training: {e.Message}", e); }
        string? family = root["family"] switch
        {
            null => null,
            JsonValue v when v.TryGetValue(out string? f) => f,
            _ => throw new InvalidDataException($"{source}: family must be a family's name."),
        };
        return new TrainingRunConfig(corpus, architecture, training) { Family = family }.Validate();
    }
}
