using System.Text;

namespace Slt.Model;

/// <summary>
/// A saved <see cref="Transformer"/>: a header (format tag, the architecture, the training step, and optionally the
/// corpus spec's JSON so that the truth can be rebuilt) followed by TorchSharp's state dictionary.
/// </summary>
/// <param name="Config">The architecture.</param>
/// <param name="Step">The training step the weights come from.</param>
/// <param name="CorpusSpecJson">The corpus spec the model was trained on, if known.</param>
public sealed record TransformerCheckpoint(TransformerConfig Config, long Step, string? CorpusSpecJson)
{
    private const string Format = "slt-transformer-checkpoint-v1";

    /// <summary>Writes the model's weights and this header to <paramref name="path"/> (folders are created).</summary>
    public static void Save(string path, Transformer model, long step, string? corpusSpecJson = null)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        string tmp = path + ".tmp";
        using (var stream = File.Create(tmp))
        using (var writer = new BinaryWriter(stream, Encoding.UTF8))
        {
            writer.Write(Format);
            writer.Write(model.Config.ToJson());
            writer.Write(step);
            writer.Write(corpusSpecJson ?? "");
            model.save(writer);
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Reads only the header.</summary>
    public static TransformerCheckpoint ReadHeader(string path)
    {
        using var reader = Open(path);
        return ReadHeader(reader, path);
    }

    /// <summary>Builds a transformer of the saved architecture and loads the weights into it.</summary>
    public static (Transformer Model, TransformerCheckpoint Header) Load(string path)
    {
        using var reader = Open(path);
        var header = ReadHeader(reader, path);
        var model = new Transformer(header.Config);
        LoadWeights(reader, model, path);
        return (model, header);
    }

    /// <summary>
    /// Loads the weights into an existing model; a different architecture is refused with a message naming the
    /// differing fields.
    /// </summary>
    public static TransformerCheckpoint LoadInto(string path, Transformer model)
    {
        using var reader = Open(path);
        var header = ReadHeader(reader, path);
        if (header.Config != model.Config)
        {
            var diffs = new List<string>();
            foreach (var p in typeof(TransformerConfig).GetProperties())
            {
                object? a = p.GetValue(header.Config), b = p.GetValue(model.Config);
                if (!Equals(a, b)) diffs.Add($"{p.Name}: checkpoint {a}, model {b}");
            }
            throw new ArgumentException(
                $"Checkpoint '{path}' holds a different architecture than the model ({string.Join("; ", diffs)}).", nameof(model));
        }
        LoadWeights(reader, model, path);
        return header;
    }

    private static BinaryReader Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Checkpoint '{path}' does not exist.", path);
        return new BinaryReader(File.OpenRead(path), Encoding.UTF8);
    }

    private static TransformerCheckpoint ReadHeader(BinaryReader reader, string path)
    {
        try
        {
            string format = reader.ReadString();
            if (format != Format)
                throw new InvalidDataException($"'{path}' is not an SLT transformer checkpoint (format tag '{Truncate(format)}').");
            var config = TransformerConfig.FromJson(reader.ReadString(), $"the architecture in '{path}'");
            long step = reader.ReadInt64();
            string corpus = reader.ReadString();
            return new TransformerCheckpoint(config, step, corpus.Length == 0 ? null : corpus);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"Checkpoint '{path}' is truncated.", e);
        }
        catch (IOException e) when (e is not FileNotFoundException)
        {
            throw new InvalidDataException($"Checkpoint '{path}' cannot be read: {e.Message}", e);
        }
    }

    private static void LoadWeights(BinaryReader reader, Transformer model, string path)
    {
        try
        {
            model.load(reader, strict: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"The weights in checkpoint '{path}' do not fit the architecture in its header: {e.Message}", e);
        }
    }

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
