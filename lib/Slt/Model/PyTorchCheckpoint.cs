using System.Globalization;
using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Model;

/// <summary>The naming of a state dict's keys.</summary>
public enum CheckpointLayout
{
    /// <summary>The workbook's own names (<see cref="Transformer"/>'s stable parameter names).</summary>
    Slt,

    /// <summary>nanoGPT's names: fused <c>attn.c_attn</c>, <c>mlp.c_fc</c>, <c>ln_1</c>, … (<see cref="NanoGptLayout"/>).</summary>
    NanoGpt,
}

/// <summary>An imported model, the layout it was read in, and what the import dropped or filled in (each exactly).</summary>
public sealed record PyTorchImport(Transformer Model, CheckpointLayout Layout, IReadOnlyList<string> Notes);

/// <summary>
/// PyTorch state dicts in and out of <see cref="Transformer"/>: <c>torch.save(model.state_dict())</c> files and
/// safetensors, in the workbook's names or nanoGPT's. Import infers the architecture from the keys and shapes (the head
/// count of a nanoGPT dict must be given) and refuses, naming the key, anything the model cannot hold exactly; export
/// writes what PyTorch's <c>torch.load</c> (or any safetensors reader) reads back. See docs/pytorch.md.
/// </summary>
public static class PyTorchCheckpoint
{
    private static readonly Regex BlockKey = new(@"^blocks\.(\d+)\.", RegexOptions.CultureInvariant);
    private static readonly Regex HeadKey = new(@"^blocks\.0\.attention\.heads\.(\d+)\.", RegexOptions.CultureInvariant);

    /// <summary>Reads a state dict file and builds the model it holds.</summary>
    /// <param name="path">A torch.save file or a safetensors file (recognised by content).</param>
    /// <param name="layout">The key naming, or null to recognise it.</param>
    /// <param name="heads">Heads per block: required for a nanoGPT state dict without <c>model_args</c>; checked otherwise.</param>
    /// <param name="dtype">Float32 or Float64; null keeps float64 weights in float64 and makes everything else float32.</param>
    public static PyTorchImport Import(string path, CheckpointLayout? layout = null, int? heads = null, ScalarType? dtype = null)
    {
        using var file = PyTorchStateDict.Read(path);
        return FromStateDict(file.Tensors, layout, heads, dtype, file.ModelArgs, $"'{path}'");
    }

    /// <summary>Builds the model a name → tensor dictionary holds (see <see cref="Import"/>); the tensors are copied.</summary>
    public static PyTorchImport FromStateDict(
        IReadOnlyDictionary<string, Tensor> stateDict, CheckpointLayout? layout = null, int? heads = null, ScalarType? dtype = null,
        IReadOnlyDictionary<string, object?>? modelArgs = null, string source = "the state dict")
    {
        if (heads is < 1) throw new ArgumentOutOfRangeException(nameof(heads), heads, "heads must be at least 1.");
        if (dtype is { } requested && requested != ScalarType.Float32 && requested != ScalarType.Float64)
            throw new ArgumentException($"dtype must be Float32 or Float64, got {requested}.", nameof(dtype));
        var notes = new List<string>();
        var sd = NanoGptLayout.StripWrapperPrefixes(stateDict, source, notes);
        var which = layout ?? DetectLayout(sd.Keys, source);
        TransformerConfig config;
        Dictionary<string, Tensor>? converted = null;
        try
        {
            IReadOnlyDictionary<string, Tensor> ours;
            if (which == CheckpointLayout.NanoGpt)
                ours = converted = NanoGptLayout.ToTransformerNames(sd, heads, modelArgs, source, notes, out config);
            else
            {
                config = InferConfig(sd, heads, source);
                ours = sd;
            }
            var stored = ours["token_embedding.weight"].dtype;
            var target = dtype ?? (stored == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32);
            if (stored is ScalarType.Float16 or ScalarType.BFloat16 && target == ScalarType.Float32)
                notes.Add($"weights stored as {stored}, widened exactly to Float32");
            if (stored == ScalarType.Float64 && target == ScalarType.Float32)
                notes.Add("weights stored as Float64, rounded to Float32");
            var model = new Transformer(config);
            try
            {
                if (target == ScalarType.Float64) model.to(ScalarType.Float64);
                Assign(model, ours, source);
            }
            catch
            {
                model.Dispose();
                throw;
            }
            return new PyTorchImport(model, which, notes);
        }
        finally
        {
            if (converted is not null) foreach (var t in converted.Values) t.Dispose();
        }
    }

    /// <summary>The model's weights under the names of <paramref name="layout"/> (new tensors; the caller disposes them).</summary>
    public static Dictionary<string, Tensor> ToStateDict(Transformer model, CheckpointLayout layout = CheckpointLayout.Slt)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var sd = layout == CheckpointLayout.NanoGpt
            ? NanoGptLayout.FromTransformer(model)
            : model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone(), StringComparer.Ordinal);
        foreach (var t in sd.Values) t.MoveToOuterDisposeScope();
        return sd;
    }

    /// <summary>Writes the model's weights to <paramref name="path"/> in <paramref name="layout"/>; the format follows the
    /// extension (<c>.pt</c>/<c>.pth</c>/<c>.bin</c>: torch.save's; <c>.safetensors</c>) unless given.</summary>
    public static void Export(Transformer model, string path, CheckpointLayout layout = CheckpointLayout.Slt, StateDictFormat? format = null)
    {
        var f = format ?? PyTorchStateDict.FormatOf(path);
        var sd = ToStateDict(model, layout);
        try
        {
            PyTorchStateDict.Write(path, sd, f);
        }
        finally
        {
            foreach (var t in sd.Values) t.Dispose();
        }
    }

    /// <summary>nanoGPT's keys (<c>transformer.wte.weight</c>) or the workbook's (<c>token_embedding.weight</c>); else an error listing some keys.</summary>
    public static CheckpointLayout DetectLayout(IEnumerable<string> keys, string source = "the state dict")
    {
        var all = keys.ToList();
        if (all.Contains("transformer.wte.weight")) return CheckpointLayout.NanoGpt;
        if (all.Contains("token_embedding.weight")) return CheckpointLayout.Slt;
        string sample = string.Join(", ", all.OrderBy(k => k, StringComparer.Ordinal).Take(6).Select(k => $"'{k}'"));
        throw new InvalidDataException(
            $"{source} is in neither nanoGPT's layout (transformer.wte.weight, transformer.h.0.attn.c_attn.weight, …) nor the workbook's " +
            $"(token_embedding.weight, blocks.0.attention.heads.0.query.weight, …); its keys include {(all.Count == 0 ? "nothing (it is empty)" : sample)}.");
    }

    /// <summary>Parses <c>slt</c> or <c>nanogpt</c> (any case).</summary>
    public static CheckpointLayout ParseLayout(string text) => text.Trim().ToLowerInvariant() switch
    {
        "slt" => CheckpointLayout.Slt,
        "nanogpt" => CheckpointLayout.NanoGpt,
        _ => throw new ArgumentException($"layout must be slt or nanogpt, got '{text}'.", nameof(text)),
    };

    /// <summary>The architecture of a state dict in the workbook's names, from its keys and shapes.</summary>
    private static TransformerConfig InferConfig(IReadOnlyDictionary<string, Tensor> sd, int? heads, string source)
    {
        var reader = new StateDictReader(sd, source);
        var te = reader.Take("token_embedding.weight", rank: 2);
        long vocabulary = te.shape[0], d = te.shape[1];
        long context = reader.Take("position_embedding.weight", [-1, d]).shape[0];
        int layers = CountIndices(sd.Keys, BlockKey, "blocks.{i}", source);
        int headCount = CountIndices(sd.Keys, HeadKey, "blocks.0.attention.heads.{h}", source);
        if (heads is { } given && given != headCount)
            throw new ArgumentException($"{source} has {headCount} heads per block, but {given} were asked for.", nameof(heads));
        long dh = reader.Take("blocks.0.attention.heads.0.query.weight", [-1, d]).shape[0];
        if (dh * headCount != d)
            throw new InvalidDataException($"{source}: {headCount} heads of width {dh} do not make d = {d}; the workbook's heads have width d / heads.");
        long hidden = reader.Peek("blocks.0.mlp.0.weight") is not null ? reader.Take("blocks.0.mlp.0.weight", [-1, d]).shape[0] : 0;
        bool layerNorm = reader.Peek("final_norm.weight") is not null;
        try
        {
            return new TransformerConfig(checked((int)vocabulary), checked((int)context), checked((int)d), layers, headCount,
                Mlp: hidden > 0, MlpDimension: hidden == 4 * d ? 0 : checked((int)hidden), LayerNorm: layerNorm).Validate();
        }
        catch (Exception e) when (e is ArgumentException or OverflowException)
        {
            throw new InvalidDataException(
                $"{source}: the shapes give |S| = {vocabulary}, C = {context}, d = {d}, {layers} layers, {headCount} heads, which the workbook's Transformer cannot hold: {e.Message}", e);
        }
    }

    private static int CountIndices(IEnumerable<string> keys, Regex pattern, string what, string source)
    {
        var indices = keys.Select(k => pattern.Match(k)).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Distinct().OrderBy(i => i).ToArray();
        if (indices.Length == 0) throw new InvalidDataException($"{source}: no key of the form {what}.… (the model needs at least one).");
        if (indices[^1] != indices.Length - 1)
            throw new InvalidDataException($"{source}: {what} is not numbered 0 … {indices.Length - 1} (found {string.Join(", ", indices)}).");
        return indices.Length;
    }

    /// <summary>Copies every parameter of <paramref name="model"/> from <paramref name="ours"/> (workbook names), checking
    /// that each is present with the parameter's shape and that no key is left over.</summary>
    private static void Assign(Transformer model, IReadOnlyDictionary<string, Tensor> ours, string source)
    {
        var reader = new StateDictReader(ours, source);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
            parameter.copy_(reader.Take(name, parameter.shape));
        reader.RequireAllTaken("The workbook's keys are the Transformer's stable parameter names (docs/pytorch.md).");
    }
}
