using System.Text.Json;
using System.Text.Json.Serialization;
using Slt.Model;
using Slt.Platform;

namespace Slt.Training;

/// <summary>
/// Trains a recipe once and reuses the result: the final weights and the run's record are kept under
/// <c>{directory}/{recipe hash}-{library build}/</c>. The key includes the identity of this library's build, so a code
/// change never serves a stale model. Used by the notebooks and the tests so one session trains the default model once.
/// </summary>
public static class TrainedModelCache
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = false,
    };

    private static readonly object Gate = new();

    /// <summary><c>SLT_CACHE</c> if set, else <c>{temp}/slt-cache/trained</c>.</summary>
    public static string DefaultDirectory =>
        Environment.GetEnvironmentVariable("SLT_CACHE") is { Length: > 0 } dir
            ? Path.Combine(dir, "trained")
            : Path.Combine(Path.GetTempPath(), "slt-cache", "trained");

    /// <summary>The folder a recipe's result lives in.</summary>
    public static string EntryDirectory(TrainingRunConfig config, string? directory = null) =>
        Path.Combine(directory ?? DefaultDirectory,
            $"{config.ContentHash()}-{typeof(TrainedModelCache).Assembly.ManifestModule.ModuleVersionId.ToString("N")[..12]}");

    /// <summary>Loads the cached result of <paramref name="config"/>, or trains it (saving checkpoints) and caches it.</summary>
    public static (Transformer Model, TrainingRun Run) GetOrTrain(
        TrainingRunConfig config, string? directory = null, IProgress<TrainingProgress>? progress = null)
    {
        TorchRuntime.Initialize();
        string entry = EntryDirectory(config, directory);
        lock (Gate)
        {
            string final = Path.Combine(entry, "final.ckpt"), record = Path.Combine(entry, "run.json");
            if (File.Exists(final) && File.Exists(record))
            {
                var (model, _) = TransformerCheckpoint.Load(final);
                return (model, FromJson(File.ReadAllText(record)));
            }
            string staging = entry + ".staging-" + Environment.ProcessId;
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            var (trained, run) = Trainer.Train(config, Path.Combine(staging, "checkpoints"), progress);
            TransformerCheckpoint.Save(Path.Combine(staging, "final.ckpt"), trained, config.Training.Steps, config.Corpus.ToJson());
            var relocated = run with
            {
                Checkpoints = run.Checkpoints.Select(c => c with
                {
                    CheckpointFile = c.CheckpointFile is null ? null : Path.Combine(entry, "checkpoints", Path.GetFileName(c.CheckpointFile)),
                }).ToList(),
            };
            File.WriteAllText(Path.Combine(staging, "run.json"), ToJson(relocated));
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(entry)!);
                Directory.Move(staging, entry);
            }
            catch (IOException) when (Directory.Exists(entry))
            {
                Directory.Delete(staging, recursive: true); // another process cached the same recipe meanwhile
            }
            return (trained, relocated);
        }
    }

    /// <summary>The run's record as JSON (NaN written as "NaN").</summary>
    public static string ToJson(TrainingRun run) => JsonSerializer.Serialize(run, Json);

    public static TrainingRun FromJson(string json) =>
        JsonSerializer.Deserialize<TrainingRun>(json, Json) ?? throw new InvalidDataException("A training run's JSON was empty.");
}
