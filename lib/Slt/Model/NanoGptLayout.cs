using System.Globalization;
using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace Slt.Model;

/// <summary>
/// The name map between <see cref="Transformer"/> and a nanoGPT-style state dict (docs/pytorch.md has the table).
/// nanoGPT fuses the three attention projections of all heads into <c>attn.c_attn.weight</c> ∈ ℝ^{3d×d}, rows
/// [W_Q; W_K; W_V], each the heads' d_h × d matrices stacked in head order, and stores the output projection as
/// <c>attn.c_proj.weight</c> ∈ ℝ^{d×d} whose columns h·d_h … (h+1)·d_h − 1 are head h's W_O. That is exactly how
/// <see cref="CausalSelfAttention"/> stacks its heads, so splitting and concatenating is a bijection on the weights.
/// </summary>
/// <remarks>
/// <para>What maps exactly, and why:</para>
/// <list type="bullet">
/// <item>LayerNorms, MLP (<c>c_fc</c> → <c>mlp.0</c>, <c>c_proj</c> → <c>mlp.2</c>, exact-erf GELU between, as nanoGPT's
/// <c>nn.GELU()</c>), embeddings and the final norm: the same functions, so weights copy over. A missing bias
/// (nanoGPT's <c>bias=False</c>) is the bias 0.</item>
/// <item>Attention biases: ours has none. A key bias b_K adds q·b_K to every score of a query, the same for every key, and
/// softmax is invariant under adding a constant to all its arguments, so b_K is dropped exactly. A query bias changes
/// the scores key by key and a value or output bias adds W_O b_V + b_O to the residual stream, which the following
/// LayerNorm does not undo: a nonzero query, value or output bias is refused.</item>
/// <item><c>lm_head.weight</c> absent means tied to <c>wte</c>; its values are copied into our separate unembedding (the
/// imported model lives in the untied parameter space). <c>lm_head.bias</c> (not nanoGPT's; ours has one) absent is 0.</item>
/// <item><c>attn.bias</c>, the causal-mask buffer nanoGPT registers when PyTorch lacks flash attention, is checked to
/// be the lower-triangular mask and ignored.</item>
/// </list>
/// The head count is not in the weights (c_attn is 3d × d for every head count): it comes from the caller or from a
/// training checkpoint's <c>model_args.n_head</c>.
/// </remarks>
public static class NanoGptLayout
{
    /// <summary>Prefixes that wrappers add to every key: <c>torch.compile</c>'s and DistributedDataParallel's.</summary>
    public static readonly string[] WrapperPrefixes = ["_orig_mod.", "module."];

    private static readonly Regex BlockKey = new(@"^transformer\.h\.(\d+)\.", RegexOptions.CultureInvariant);

    /// <summary>
    /// The model's weights under nanoGPT's names (new tensors; the caller disposes them). The layout is that of nanoGPT
    /// with <c>bias=True</c>: attention biases written as zeros, <c>lm_head.weight</c> untied, and <c>lm_head.bias</c>
    /// written when nonzero. A model without LayerNorm or without MLP has no nanoGPT counterpart and is refused.
    /// </summary>
    public static Dictionary<string, Tensor> FromTransformer(Transformer model)
    {
        var c = model.Config;
        if (!c.LayerNorm || !c.Mlp)
            throw new ArgumentException(
                $"nanoGPT's layout has a LayerNorm and an MLP in every block; this model has LayerNorm = {c.LayerNorm}, Mlp = {c.Mlp}. Export it in the workbook's own layout (slt).",
                nameof(model));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var p = model.named_parameters().ToDictionary(x => x.name, x => (Tensor)x.parameter);
        Tensor Copy(string name) => p[name].detach().clone();
        var sd = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["transformer.wte.weight"] = Copy("token_embedding.weight"),
            ["transformer.wpe.weight"] = Copy("position_embedding.weight"),
        };
        var dtype = p["token_embedding.weight"].dtype;
        for (int i = 0; i < c.Layers; i++)
        {
            string ours = $"blocks.{i}.", theirs = $"transformer.h.{i}.";
            sd[theirs + "ln_1.weight"] = Copy(ours + "attention_norm.weight");
            sd[theirs + "ln_1.bias"] = Copy(ours + "attention_norm.bias");
            var heads = Enumerable.Range(0, c.Heads).Select(h => $"{ours}attention.heads.{h}.").ToArray();
            var rows = new[] { "query", "key", "value" }.SelectMany(m => heads.Select(h => p[h + m + ".weight"])).ToArray();
            sd[theirs + "attn.c_attn.weight"] = cat(rows, 0);
            sd[theirs + "attn.c_attn.bias"] = zeros(3L * c.ModelDimension, dtype: dtype);
            sd[theirs + "attn.c_proj.weight"] = cat(heads.Select(h => p[h + "output.weight"]).ToArray(), 1);
            sd[theirs + "attn.c_proj.bias"] = zeros(c.ModelDimension, dtype: dtype);
            sd[theirs + "ln_2.weight"] = Copy(ours + "mlp_norm.weight");
            sd[theirs + "ln_2.bias"] = Copy(ours + "mlp_norm.bias");
            sd[theirs + "mlp.c_fc.weight"] = Copy(ours + "mlp.0.weight");
            sd[theirs + "mlp.c_fc.bias"] = Copy(ours + "mlp.0.bias");
            sd[theirs + "mlp.c_proj.weight"] = Copy(ours + "mlp.2.weight");
            sd[theirs + "mlp.c_proj.bias"] = Copy(ours + "mlp.2.bias");
        }
        sd["transformer.ln_f.weight"] = Copy("final_norm.weight");
        sd["transformer.ln_f.bias"] = Copy("final_norm.bias");
        sd["lm_head.weight"] = Copy("unembedding.weight");
        if (p["unembedding.bias"].count_nonzero().item<long>() > 0) sd["lm_head.bias"] = Copy("unembedding.bias");
        foreach (var t in sd.Values) t.MoveToOuterDisposeScope();
        return sd;
    }

    /// <summary>Removes <see cref="WrapperPrefixes"/> from every key that carries one (noted in <paramref name="notes"/>).</summary>
    public static Dictionary<string, Tensor> StripWrapperPrefixes(IReadOnlyDictionary<string, Tensor> raw, string source, ICollection<string> notes)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var stripped = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (key, tensor) in raw)
        {
            string k = key;
            bool again = true;
            while (again)
            {
                again = false;
                foreach (var prefix in WrapperPrefixes)
                    if (k.StartsWith(prefix, StringComparison.Ordinal)) { k = k[prefix.Length..]; stripped.Add(prefix); again = true; }
            }
            if (!result.TryAdd(k, tensor))
                throw new InvalidDataException($"{source}: key '{key}' and another key both become '{k}' once the wrapper prefixes are removed.");
        }
        if (stripped.Count > 0) notes.Add($"removed the wrapper prefix(es) {string.Join(", ", stripped.Select(s => $"'{s}'"))} from the keys");
        return result;
    }

    /// <summary>
    /// Converts a nanoGPT-style state dict (wrapper prefixes already removed) into the workbook's names and infers the
    /// architecture. Every key must be consumed: an unknown key, a wrong shape, a non-float or non-finite tensor, or a
    /// bias our model cannot hold is refused with an <see cref="InvalidDataException"/> naming the key.
    /// </summary>
    /// <param name="sd">nanoGPT's keys.</param>
    /// <param name="heads">Heads per block, or null to take <c>model_args.n_head</c>.</param>
    /// <param name="modelArgs">A nanoGPT training checkpoint's <c>model_args</c>, checked against the shapes.</param>
    /// <param name="source">Names the input in messages.</param>
    /// <param name="notes">Receives what was dropped or filled in, each exactly.</param>
    /// <param name="config">The architecture.</param>
    /// <returns>New tensors under the workbook's names; the caller disposes them.</returns>
    public static Dictionary<string, Tensor> ToTransformerNames(
        IReadOnlyDictionary<string, Tensor> sd, int? heads, IReadOnlyDictionary<string, object?>? modelArgs, string source,
        ICollection<string> notes, out TransformerConfig config)
    {
        var reader = new StateDictReader(sd, source);
        var wte = reader.Take("transformer.wte.weight", rank: 2);
        long vocabulary = wte.shape[0], d = wte.shape[1];
        var wpe = reader.Take("transformer.wpe.weight", [-1, d]);
        long context = wpe.shape[0];
        var layerIndices = sd.Keys.Select(k => BlockKey.Match(k)).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Distinct().OrderBy(i => i).ToArray();
        if (layerIndices.Length == 0) throw reader.Missing("transformer.h.0.attn.c_attn.weight");
        int layers = layerIndices.Length;
        if (layerIndices[^1] != layers - 1)
            throw new InvalidDataException($"{source}: the blocks are not numbered 0 … {layers - 1} (found transformer.h.{{{string.Join(", ", layerIndices)}}}).");
        var fc = reader.Take("transformer.h.0.mlp.c_fc.weight", [-1, d]);
        long hidden = fc.shape[0];

        int headCount = ResolveHeads(heads, modelArgs, source);
        CheckModelArgs(modelArgs, source, ("n_embd", d), ("n_layer", layers), ("vocab_size", vocabulary), ("block_size", context));
        try
        {
            config = new TransformerConfig(checked((int)vocabulary), checked((int)context), checked((int)d), layers, headCount,
                Mlp: true, MlpDimension: hidden == 4 * d ? 0 : checked((int)hidden), LayerNorm: true).Validate();
        }
        catch (Exception e) when (e is ArgumentException or OverflowException)
        {
            throw new InvalidDataException(
                $"{source}: the shapes give |S| = {vocabulary}, C = {context}, d = {d}, {layers} layers, {headCount} heads, MLP width {hidden}, which the workbook's Transformer cannot hold: {e.Message}", e);
        }

        int dh = config.HeadDimension;
        // Views and checks die with the scope (and, on a refusal, the tensors made so far); only the result leaves it.
        using var scope = NewDisposeScope();
        var ours = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        ours["token_embedding.weight"] = wte.clone();
        ours["position_embedding.weight"] = wpe.clone();
        bool anyMissingNormBias = false, anyMissingMlpBias = false, anyKeyBias = false, anyMask = false;
        for (int i = 0; i < layers; i++)
        {
            string theirs = $"transformer.h.{i}.", mine = $"blocks.{i}.";
            anyMissingNormBias |= TakeNorm(reader, theirs + "ln_1", mine + "attention_norm", d, ours);
            var cAttn = reader.Take(theirs + "attn.c_attn.weight", [3 * d, d]);
            var cProj = reader.Take(theirs + "attn.c_proj.weight", [d, d]);
            if (reader.TakeOptional(theirs + "attn.c_attn.bias", [3 * d]) is { } qkvBias)
            {
                RequireZero(qkvBias.narrow(0, 0, d), theirs + "attn.c_attn.bias", $"(entries 0 … {d - 1}, the query bias)",
                    "a query bias changes the attention scores key by key; our attention has no biases", source);
                RequireZero(qkvBias.narrow(0, 2 * d, d), theirs + "attn.c_attn.bias", $"(entries {2 * d} … {3 * d - 1}, the value bias)",
                    "a value bias adds W_O b_V to the residual stream; our attention has no biases", source);
                anyKeyBias |= qkvBias.narrow(0, d, d).count_nonzero().item<long>() > 0;
            }
            if (reader.TakeOptional(theirs + "attn.c_proj.bias", [d]) is { } outBias)
                RequireZero(outBias, theirs + "attn.c_proj.bias", "(the output bias)", "our attention has no output bias", source);
            if (reader.TakeOptional(theirs + "attn.bias", [1, 1, context, context], anyDtype: true) is { } mask)
            {
                using var causal = ones(context, context, dtype: ScalarType.Float64).tril().view(1, 1, context, context);
                using var asDouble = mask.to_type(ScalarType.Float64);
                if (!asDouble.allclose(causal, rtol: 0, atol: 0))
                    throw new InvalidDataException($"{source}: '{theirs}attn.bias' is not the causal mask (lower-triangular ones) nanoGPT registers; this attention is not ours.");
                anyMask = true;
            }
            for (int h = 0; h < config.Heads; h++)
            {
                string head = $"{mine}attention.heads.{h}.";
                ours[head + "query.weight"] = cAttn.narrow(0, h * dh, dh).clone();
                ours[head + "key.weight"] = cAttn.narrow(0, d + h * dh, dh).clone();
                ours[head + "value.weight"] = cAttn.narrow(0, 2 * d + h * dh, dh).clone();
                ours[head + "output.weight"] = cProj.narrow(1, h * dh, dh).clone();
            }
            anyMissingNormBias |= TakeNorm(reader, theirs + "ln_2", mine + "mlp_norm", d, ours);
            ours[mine + "mlp.0.weight"] = reader.Take(theirs + "mlp.c_fc.weight", [hidden, d]).clone();
            ours[mine + "mlp.2.weight"] = reader.Take(theirs + "mlp.c_proj.weight", [d, hidden]).clone();
            var b0 = reader.TakeOptional(theirs + "mlp.c_fc.bias", [hidden]);
            var b2 = reader.TakeOptional(theirs + "mlp.c_proj.bias", [d]);
            anyMissingMlpBias |= b0 is null || b2 is null;
            ours[mine + "mlp.0.bias"] = b0?.clone() ?? zeros(hidden, dtype: wte.dtype);
            ours[mine + "mlp.2.bias"] = b2?.clone() ?? zeros(d, dtype: wte.dtype);
        }
        anyMissingNormBias |= TakeNorm(reader, "transformer.ln_f", "final_norm", d, ours);
        if (reader.TakeOptional("lm_head.weight", [vocabulary, d]) is { } head0)
        {
            ours["unembedding.weight"] = head0.clone();
            if (head0.allclose(wte, rtol: 0, atol: 0)) notes.Add("lm_head.weight equals transformer.wte.weight (tied); imported as a separate unembedding");
        }
        else
        {
            ours["unembedding.weight"] = wte.clone();
            notes.Add("lm_head.weight absent: tied to transformer.wte.weight, copied into the separate unembedding");
        }
        var lmBias = reader.TakeOptional("lm_head.bias", [vocabulary]);
        ours["unembedding.bias"] = lmBias?.clone() ?? zeros(vocabulary, dtype: wte.dtype);
        if (lmBias is null) notes.Add("lm_head.bias absent: unembedding bias 0");
        if (anyMissingNormBias) notes.Add("LayerNorm biases absent (nanoGPT bias=False): set to 0");
        if (anyMissingMlpBias) notes.Add("MLP biases absent (nanoGPT bias=False): set to 0");
        if (anyKeyBias) notes.Add("dropped the key part of attn.c_attn.bias: it adds the same q·b_K to every score of a query, which softmax ignores");
        if (anyMask) notes.Add("ignored the causal-mask buffers attn.bias (checked to be lower-triangular)");
        reader.RequireAllTaken(
            "The nanoGPT keys it reads are transformer.{wte,wpe}.weight, transformer.h.{i}.{ln_1,attn.c_attn,attn.c_proj,ln_2,mlp.c_fc,mlp.c_proj}.{weight,bias}, " +
            "transformer.h.{i}.attn.bias (the causal mask), transformer.ln_f.{weight,bias} and lm_head.{weight,bias} (docs/pytorch.md).");
        foreach (var t in ours.Values) t.MoveToOuterDisposeScope();
        return ours;
    }

    private static bool TakeNorm(StateDictReader reader, string theirs, string mine, long d, Dictionary<string, Tensor> ours)
    {
        ours[mine + ".weight"] = reader.Take(theirs + ".weight", [d]).clone();
        var bias = reader.TakeOptional(theirs + ".bias", [d]);
        ours[mine + ".bias"] = bias?.clone() ?? zeros(d, dtype: ours[mine + ".weight"].dtype);
        return bias is null;
    }

    private static void RequireZero(Tensor part, string key, string what, string why, string source)
    {
        using var abs = part.abs().to_type(ScalarType.Float64);
        double max = abs.numel() == 0 ? 0 : abs.max().item<double>();
        if (max != 0)
            throw new InvalidDataException(
                $"{source}: '{key}' {what} is not zero (max |b| = {max:G4}): {why}, so this checkpoint cannot be held exactly (nanoGPT trained with bias=True; bias=False maps exactly).");
    }

    private static int ResolveHeads(int? heads, IReadOnlyDictionary<string, object?>? modelArgs, string source)
    {
        long? stored = modelArgs is not null && modelArgs.TryGetValue("n_head", out var n) && n is not null ? Convert.ToInt64(n, CultureInfo.InvariantCulture) : null;
        if (heads is { } given)
        {
            if (stored is { } s && s != given)
                throw new ArgumentException($"{source}: model_args.n_head = {s}, but {given} heads were asked for.", nameof(heads));
            return given;
        }
        if (stored is { } fromFile) return checked((int)fromFile);
        throw new ArgumentException(
            $"{source}: a nanoGPT state dict does not record the number of heads (c_attn is 3d × d for every head count); give it (--heads H).", nameof(heads));
    }

    private static void CheckModelArgs(IReadOnlyDictionary<string, object?>? modelArgs, string source, params (string Name, long FromShapes)[] expected)
    {
        if (modelArgs is null) return;
        foreach (var (name, fromShapes) in expected)
        {
            if (!modelArgs.TryGetValue(name, out var value) || value is null) continue;
            long stored = Convert.ToInt64(value, CultureInfo.InvariantCulture);
            if (stored != fromShapes)
                throw new InvalidDataException($"{source}: model_args.{name} = {stored} disagrees with the weights' shapes ({fromShapes}).");
        }
    }
}
