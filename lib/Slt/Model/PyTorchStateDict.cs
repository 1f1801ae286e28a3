using System.Collections;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Slt.Model;

/// <summary>The two file formats of a PyTorch state dict.</summary>
public enum StateDictFormat
{
    /// <summary><c>torch.save(model.state_dict(), path)</c>: a zip archive holding a pickle and one record per storage
    /// (extensions <c>.pt</c>, <c>.pth</c>, <c>.bin</c>).</summary>
    TorchSave,

    /// <summary>safetensors: an 8-byte header length, a JSON header (dtype, shape, byte range per name), the raw bytes
    /// (extension <c>.safetensors</c>).</summary>
    Safetensors,
}

/// <summary>
/// A PyTorch state dict read from a file: parameter name → tensor (on the CPU, in the stored dtype), and, for a nanoGPT
/// training checkpoint (<c>{"model": state_dict, "model_args": {...}, ...}</c>), its <c>model_args</c>.
/// Disposing it disposes the tensors.
/// </summary>
public sealed class PyTorchStateDict : IDisposable
{
    private PyTorchStateDict(string path, StateDictFormat format, Dictionary<string, Tensor> tensors, IReadOnlyDictionary<string, object?>? modelArgs)
    {
        Path = path;
        Format = format;
        Tensors = tensors;
        ModelArgs = modelArgs;
    }

    public string Path { get; }

    public StateDictFormat Format { get; }

    /// <summary>Name → tensor, in no particular order.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors { get; }

    /// <summary>The <c>model_args</c> of a nanoGPT training checkpoint (e.g. <c>n_head</c>), or null.</summary>
    public IReadOnlyDictionary<string, object?>? ModelArgs { get; }

    public void Dispose()
    {
        foreach (var t in Tensors.Values) t.Dispose();
    }

    /// <summary>The format a file name asks for: <c>.safetensors</c>, or <c>.pt</c>/<c>.pth</c>/<c>.bin</c> for torch.save's.</summary>
    public static StateDictFormat FormatOf(string path) =>
        System.IO.Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".safetensors" => StateDictFormat.Safetensors,
            ".pt" or ".pth" or ".bin" => StateDictFormat.TorchSave,
            var other => throw new ArgumentException(
                $"'{path}': cannot tell the format from the extension '{other}'; use .pt, .pth or .bin (torch.save) or .safetensors."),
        };

    /// <summary>
    /// Reads a state dict written by <c>torch.save</c> (the zip format of PyTorch ≥ 1.6) or as safetensors; the format is
    /// recognised from the file's first bytes, whatever its name. A nanoGPT training checkpoint is unwrapped (its
    /// <c>model</c> entry). Anything else (a whole pickled model, the legacy non-zip format, a dict with non-tensor
    /// entries) is refused with an <see cref="InvalidDataException"/> saying what was found.
    /// </summary>
    public static PyTorchStateDict Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"State dict '{path}' does not exist.", path);
        var head = new byte[9];
        int read;
        using (var probe = File.OpenRead(path)) read = probe.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (read >= 4 && head[0] == 0x50 && head[1] == 0x4B && head[2] == 0x03 && head[3] == 0x04)
            return ReadTorchSave(path);
        if (read == 9 && head[8] == (byte)'{')
            return ReadSafetensors(path);
        if (read >= 2 && head[0] == 0x80 && head[1] <= 5)
            throw new InvalidDataException(
                $"'{path}' is a pickle without the zip container (torch.save with _use_new_zipfile_serialization=False, or PyTorch < 1.6); re-save it with a current torch.save.");
        throw new InvalidDataException($"'{path}' is neither a torch.save zip archive nor a safetensors file.");
    }

    /// <summary>Writes <paramref name="tensors"/> in <paramref name="format"/> (default: from the extension); folders are created.</summary>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, StateDictFormat? format = null)
    {
        var f = format ?? FormatOf(path);
        string? dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        // Contiguous CPU copies: both writers store a tensor's bytes as they lie in memory.
        using var scope = NewDisposeScope();
        var cpu = tensors.ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().contiguous());
        string tmp = path + ".tmp";
        try
        {
            if (f == StateDictFormat.Safetensors) Safetensors.SaveStateDict(tmp, cpu);
            else
            {
                // Keys in a stable order, so the same model gives the same file.
                var ordered = new System.Collections.Specialized.OrderedDictionary();
                foreach (var key in cpu.Keys.OrderBy(k => k, StringComparer.Ordinal)) ordered[key] = cpu[key];
                PyTorchPickler.PickleStateDict(tmp, ordered);
            }
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    private static PyTorchStateDict ReadSafetensors(string path)
    {
        Dictionary<string, Tensor> tensors;
        try
        {
            tensors = Safetensors.LoadStateDict(path);
        }
        catch (Exception e) when (e is not OutOfMemoryException and not FileNotFoundException and not UnauthorizedAccessException)
        {
            throw new InvalidDataException($"'{path}' is not a readable safetensors file: {e.Message}", e);
        }
        return new PyTorchStateDict(path, StateDictFormat.Safetensors, tensors, null);
    }

    private static PyTorchStateDict ReadTorchSave(string path)
    {
        Hashtable top;
        try
        {
            top = PyTorchUnpickler.UnpickleStateDict(path);
        }
        catch (NotImplementedException e)
        {
            // PyBridge's words for a pickled nn.Module, an unknown storage type or a tensor over 2 GB.
            throw new InvalidDataException($"'{path}' cannot be read as a state dict: {e.Message}", e);
        }
        catch (Exception e) when (e is not OutOfMemoryException and not FileNotFoundException and not UnauthorizedAccessException)
        {
            throw new InvalidDataException($"'{path}' is a zip archive but not a torch.save state dict PyBridge can read: {e.Message}", e);
        }

        IDictionary source = top;
        IReadOnlyDictionary<string, object?>? modelArgs = null;
        // nanoGPT's train.py saves {"model": state_dict, "optimizer": ..., "model_args": {...}, "iter_num": ..., ...}.
        if (top["model"] is IDictionary inner)
        {
            source = inner;
            if (top["model_args"] is IDictionary args)
                modelArgs = args.Keys.Cast<object>().ToDictionary(k => k.ToString()!, k => args[k]);
        }
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var notTensors = new List<string>();
        foreach (DictionaryEntry entry in source)
        {
            string key = entry.Key?.ToString() ?? "(null)";
            if (entry.Value is Tensor t) tensors[key] = t;
            else notTensors.Add($"'{key}' ({entry.Value?.GetType().Name ?? "None"})");
        }
        if (notTensors.Count > 0)
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw new InvalidDataException(
                $"'{path}' is not a state dict: {string.Join(", ", notTensors.Take(5))}{(notTensors.Count > 5 ? $" and {notTensors.Count - 5} more" : "")} hold no tensor. " +
                "Save model.state_dict(), or a nanoGPT training checkpoint with the state dict under \"model\".");
        }
        DisposeOthers(top, tensors.Values);
        return new PyTorchStateDict(path, StateDictFormat.TorchSave, tensors, modelArgs);
    }

    /// <summary>Disposes every tensor reachable from <paramref name="node"/> (an optimizer's state, say) but those kept.</summary>
    private static void DisposeOthers(object? node, IEnumerable<Tensor> kept)
    {
        var keep = new HashSet<Tensor>(kept, ReferenceEqualityComparer.Instance);
        void Walk(object? o)
        {
            switch (o)
            {
                case Tensor t when !keep.Contains(t): t.Dispose(); break;
                case IDictionary d: foreach (DictionaryEntry e in d) Walk(e.Value); break;
                case IEnumerable e and not string: foreach (var x in e) Walk(x); break;
            }
        }
        Walk(node);
    }
}
