using static TorchSharp.torch;

namespace Slt.Model;

/// <summary>
/// Takes tensors out of a state dict by name, checking each one's dtype (floating point), shape and finiteness, and
/// remembers what was taken so that a key nothing took is an error rather than silently ignored. Every message names
/// the source and the key.
/// </summary>
internal sealed class StateDictReader(IReadOnlyDictionary<string, Tensor> stateDict, string source)
{
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);

    public string Source => source;

    public Tensor? Peek(string key) => stateDict.TryGetValue(key, out var t) ? t : null;

    /// <summary>The tensor under <paramref name="key"/>; <paramref name="shape"/> entries of −1 match any length.</summary>
    public Tensor Take(string key, long[]? shape = null, int? rank = null)
    {
        if (!stateDict.TryGetValue(key, out var t)) throw Missing(key);
        Check(key, t, shape, rank, anyDtype: false);
        _taken.Add(key);
        return t;
    }

    /// <summary>The tensor under <paramref name="key"/> if present (checked as <see cref="Take"/>), else null.</summary>
    public Tensor? TakeOptional(string key, long[] shape, bool anyDtype = false)
    {
        if (!stateDict.TryGetValue(key, out var t)) return null;
        Check(key, t, shape, null, anyDtype);
        _taken.Add(key);
        return t;
    }

    public InvalidDataException Missing(string key) => new($"{source}: key '{key}' is missing.");

    /// <summary>Refuses the keys nothing took, listing them with their shapes.</summary>
    public void RequireAllTaken(string expected)
    {
        var rest = stateDict.Keys.Where(k => !_taken.Contains(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (rest.Count == 0) return;
        string list = string.Join(", ", rest.Take(8).Select(k => $"'{k}' {Shape(stateDict[k].shape)}"));
        throw new InvalidDataException(
            $"{source}: {rest.Count} key(s) the workbook's Transformer cannot hold: {list}{(rest.Count > 8 ? ", …" : "")}. {expected}");
    }

    public static string Shape(long[] shape) => "[" + string.Join(", ", shape) + "]";

    private void Check(string key, Tensor t, long[]? shape, int? rank, bool anyDtype)
    {
        if (!anyDtype && !t.is_floating_point())
            throw new InvalidDataException($"{source}: '{key}' holds {t.dtype} values; a weight must be floating point.");
        if (rank is { } r && t.dim() != r)
            throw new InvalidDataException($"{source}: '{key}' has shape {Shape(t.shape)}, expected a {r}-dimensional tensor.");
        if (shape is not null && (t.dim() != shape.Length || shape.Where((n, i) => n >= 0 && n != t.shape[i]).Any()))
        {
            string expected = "[" + string.Join(", ", shape.Select(n => n < 0 ? "·" : n.ToString())) + "]";
            bool transposed = shape.Length == 2 && t.dim() == 2 && t.shape[0] == shape[1] && t.shape[1] == shape[0] && shape[0] != shape[1];
            throw new InvalidDataException(
                $"{source}: '{key}' has shape {Shape(t.shape)}, expected {expected}." + (transposed
                    ? " It is the transpose: Hugging Face GPT-2's Conv1D stores c_attn, c_proj and c_fc as [in, out]; transpose them (as nanoGPT's from_pretrained does) before saving."
                    : ""));
        }
        if (t.is_floating_point())
        {
            using var finite = t.isfinite();
            using var all = finite.all();
            if (!all.item<bool>())
                throw new InvalidDataException($"{source}: '{key}' holds a non-finite value (NaN or ±∞).");
        }
    }
}
