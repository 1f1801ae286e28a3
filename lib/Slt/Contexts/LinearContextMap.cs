using Slt.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Contexts;

/// <summary>
/// The contexts-to-weights map F_C of a linear-attention transformer (<see cref="AttentionKind.Linear"/>), exact:
/// p(y | C ⊕ x, w) = p(y | x, F_C(w)) for every query x with m + |x| ≤ C (m = |C|, C here also the model's context
/// length T). F_C(w) equals w except in two places:
/// <list type="bullet">
/// <item>each layer's context map D_ℓ becomes D_ℓ + M_C^ℓ(w), with
/// M_C^ℓ(w) = Σ_h W_Oʰ W_Vʰ Σ_C^ℓ W_Kʰᵀ W_Qʰ (layer ℓ's heads) and Σ_C^ℓ = Σ_{c∈C} h_c^ℓ h_c^ℓᵀ, where h_c^ℓ is the
/// attention input of layer ℓ at the context position c (in the first layer the embedding e_c = E[t_c] + P[c]);</item>
/// <item>the positional table is shifted: the daughter's row i is the mother's row m + i (x sits at positions m.. once C
/// is prepended); the daughter's last m rows, which no admissible query reaches, are set to zero.</item>
/// </list>
/// Why it is exact: the causal sum at the query position m + i splits as Σ_{j≤m+i} = Σ_{c&lt;m} + Σ_{m≤j≤m+i}; the first
/// part is a fixed matrix applied to the query's own input, which is what D + M_C does, and the context rows never see
/// x (causality), so every later layer splits the same way; the MLP, the norms after attention and the unembedding act
/// position by position. (Dai et al. 2023, arXiv 2212.10559; von Oswald et al. 2023, arXiv 2212.07677.)
/// </summary>
/// <remarks>
/// The map is polynomial in w. In one layer it reads only the token rows of the tokens in C, the position rows 0..m−1
/// and the heads' W_Q, W_K, W_V, W_O; every other weight (the MLP, the norms, the unembedding, D itself) is a fibre
/// direction of the increment M_C (<see cref="ContextMapDegeneracy"/>).
/// </remarks>
public sealed class LinearContextMap
{
    private readonly int[] _context;

    /// <summary>F_C for models of architecture <paramref name="config"/> and the context tokens <paramref name="context"/>.</summary>
    /// <exception cref="ArgumentException">The model is not linear-attention, the context is empty, a token is outside
    /// the vocabulary, or the context leaves no room for a query (m ≥ C).</exception>
    public LinearContextMap(TransformerConfig config, IReadOnlyList<int> context)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(context);
        config.Validate();
        if (config.Attention != AttentionKind.Linear)
            throw new ArgumentException(
                $"F_C is exact only for linear attention; this model has attention = {config.Attention}. Use a config with Attention = AttentionKind.Linear.", nameof(config));
        if (context.Count == 0)
            throw new ArgumentException("The context is empty: give at least one token (with no context, F_C is the identity).", nameof(context));
        if (context.Count >= config.ContextLength)
            throw new ArgumentException(
                $"A context of m = {context.Count} tokens leaves no room for a query: m + |x| ≤ C = {config.ContextLength} needs m ≤ {config.ContextLength - 1}.", nameof(context));
        for (int i = 0; i < context.Count; i++)
            if (context[i] < 0 || context[i] >= config.VocabularySize)
                throw new ArgumentException($"Context token {i} has id {context[i]}, outside the vocabulary [0, {config.VocabularySize}).", nameof(context));
        Config = config;
        _context = context.ToArray();
    }

    public TransformerConfig Config { get; }

    /// <summary>The context C (token ids).</summary>
    public IReadOnlyList<int> Context => _context;

    /// <summary>m = |C|.</summary>
    public int Length => _context.Length;

    /// <summary>The longest query the daughter stands in for: C − m.</summary>
    public int MaxQueryLength => Config.ContextLength - Length;

    /// <summary>The names of the weights the map reads (every other weight is left as it is and does not enter M_C).</summary>
    public IReadOnlyList<string> InputNames
    {
        get
        {
            var names = new List<string> { "token_embedding.weight", "position_embedding.weight" };
            for (int l = 0; l < Config.Layers; l++)
            {
                for (int h = 0; h < Config.Heads; h++) names.AddRange(Transformer.HeadParameterNames(l, h));
                if (l == Config.Layers - 1) break;
                names.Add(Transformer.ContextMapParameterName(l)); // the context rows' states pass through earlier layers
                if (Config.Mlp)
                {
                    if (Config.LayerNorm) names.AddRange([$"blocks.{l}.mlp_norm.weight", $"blocks.{l}.mlp_norm.bias"]);
                    names.AddRange([$"blocks.{l}.mlp.0.weight", $"blocks.{l}.mlp.0.bias", $"blocks.{l}.mlp.2.weight", $"blocks.{l}.mlp.2.bias"]);
                }
            }
            return names;
        }
    }

    /// <summary>
    /// The context increments M_C^ℓ(w), one per layer, as a [L, d, d] tensor: a differentiable function of the weights
    /// (keys as in <c>named_parameters()</c>; only <see cref="InputNames"/> are read).
    /// </summary>
    public Tensor Increment(IReadOnlyDictionary<string, Tensor> weights)
    {
        var states = ContextStates(weights);
        var increments = new Tensor[Config.Layers];
        for (int l = 0; l < Config.Layers; l++)
        {
            int layer = l;
            increments[l] = HeadSum(Enumerable.Range(0, Config.Heads).Select(h => Head(weights, layer, h)), states[l]);
        }
        return stack(increments);
    }

    /// <summary>
    /// The increment Σ_h W_Oʰ W_Vʰ (Σ_c x_c x_cᵀ) W_Kʰᵀ W_Qʰ of one linear-attention module for context inputs
    /// <paramref name="contextInputs"/> ([m, d], the rows x_c the module reads): what a prefix with those inputs adds to
    /// the module's output at every later position, as a linear map of that position's input. [d, d].
    /// </summary>
    public static Tensor IncrementOf(CausalSelfAttention attention, Tensor contextInputs)
    {
        ArgumentNullException.ThrowIfNull(attention);
        if (attention.Kind != AttentionKind.Linear)
            throw new ArgumentException($"The increment exists only for linear attention; this module is {attention.Kind}.", nameof(attention));
        if (contextInputs.dim() != 2 || contextInputs.shape[1] != attention.Heads[0].Query.shape[1])
            throw new ArgumentException($"contextInputs must be [m, {attention.Heads[0].Query.shape[1]}]; got [{string.Join(", ", contextInputs.shape)}].", nameof(contextInputs));
        return HeadSum(attention.Heads.Select(h => ((Tensor)h.Query, (Tensor)h.Key, (Tensor)h.Value, (Tensor)h.Output)), contextInputs);
    }

    /// <summary>Σ_h W_O W_V (Xᵀ X) W_Kᵀ W_Q for the context rows X.</summary>
    private static Tensor HeadSum(IEnumerable<(Tensor Q, Tensor K, Tensor V, Tensor O)> heads, Tensor contextRows)
    {
        var sigma = contextRows.t().matmul(contextRows); // Σ_C = Σ_c x_c x_cᵀ, [d, d]
        Tensor? sum = null;
        foreach (var (q, k, v, o) in heads)
        {
            var term = o.matmul(v).matmul(sigma).matmul(k.t()).matmul(q);
            sum = sum is null ? term : sum + term;
        }
        return sum!;
    }

    /// <summary>
    /// The attention inputs h_c^ℓ of the context rows, one [m, d] tensor per layer (layer 0: the embeddings
    /// E[t_c] + P[c]). Differentiable in the weights.
    /// </summary>
    public Tensor[] ContextStates(IReadOnlyDictionary<string, Tensor> weights)
    {
        var tokenTable = Get(weights, "token_embedding.weight");
        var positionTable = Get(weights, "position_embedding.weight");
        using var ids = tensor(_context.Select(t => (long)t).ToArray(), dtype: ScalarType.Int64, device: tokenTable.device);
        var x = tokenTable.index_select(0, ids) + positionTable.narrow(0, 0, Length);
        var states = new Tensor[Config.Layers];
        for (int l = 0; l < Config.Layers; l++)
        {
            states[l] = x;
            if (l == Config.Layers - 1) break;
            x = x + LinearAttention(weights, l, x) + x.matmul(Get(weights, Transformer.ContextMapParameterName(l)).t());
            if (Config.Mlp)
            {
                var u = Config.LayerNorm
                    ? nn.functional.layer_norm(x, [Config.ModelDimension], Get(weights, $"blocks.{l}.mlp_norm.weight"), Get(weights, $"blocks.{l}.mlp_norm.bias"), 1e-5)
                    : x;
                var hidden = nn.functional.gelu(nn.functional.linear(u, Get(weights, $"blocks.{l}.mlp.0.weight"), Get(weights, $"blocks.{l}.mlp.0.bias")));
                x = x + nn.functional.linear(hidden, Get(weights, $"blocks.{l}.mlp.2.weight"), Get(weights, $"blocks.{l}.mlp.2.bias"));
            }
        }
        return states;
    }

    /// <summary>
    /// F_C(w): the daughter's weights, a new dictionary with the same keys; the changed entries (each layer's context
    /// map and the positional table) are new tensors, differentiable in the weights, the others are the inputs themselves.
    /// </summary>
    public Dictionary<string, Tensor> Apply(IReadOnlyDictionary<string, Tensor> weights) => Apply(weights, increment: true, shift: true);

    /// <summary>F_C with either part left out (<paramref name="increment"/>: D + M_C; <paramref name="shift"/>: the
    /// positional shift): the ablations that show a check of the identity has power.</summary>
    internal Dictionary<string, Tensor> Apply(IReadOnlyDictionary<string, Tensor> weights, bool increment, bool shift)
    {
        var result = weights.ToDictionary(kv => kv.Key, kv => kv.Value);
        if (increment)
        {
            var m = Increment(weights);
            for (int l = 0; l < Config.Layers; l++)
            {
                string name = Transformer.ContextMapParameterName(l);
                result[name] = Get(weights, name) + m[l];
            }
        }
        if (shift)
        {
            var p = Get(weights, "position_embedding.weight");
            result["position_embedding.weight"] = cat([p.narrow(0, Length, MaxQueryLength), zeros(Length, p.shape[1], dtype: p.dtype, device: p.device)], 0);
        }
        return result;
    }

    /// <summary>
    /// The daughter transformer at F_C(w) of <paramref name="mother"/>: same architecture, dtype, device and train/eval
    /// mode; for every query x with |x| ≤ <see cref="MaxQueryLength"/>, daughter(x) = mother(C ⊕ x) at x's positions.
    /// </summary>
    public Transformer Daughter(Transformer mother) => Daughter(mother, increment: true, shift: true);

    internal Transformer Daughter(Transformer mother, bool increment, bool shift)
    {
        ArgumentNullException.ThrowIfNull(mother);
        if (mother.Config != Config)
            throw new ArgumentException($"The mother's architecture ({mother.Config.ToJson()}) is not the one this map was built for ({Config.ToJson()}).", nameof(mother));
        var first = mother.parameters().First();
        var daughter = new Transformer(Config);
        daughter.to(first.dtype);
        if (first.device.type != DeviceType.CPU) daughter.to(first.device);
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var weights = mother.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
            var mapped = Apply(weights, increment, shift);
            foreach (var (name, p) in daughter.named_parameters()) p.copy_(mapped[name]);
        }
        if (!mother.training) daughter.eval();
        return daughter;
    }

    /// <summary>The named weights of a model, keyed as the map expects (the parameters themselves, carrying gradients).</summary>
    public static Dictionary<string, Tensor> WeightsOf(Transformer model) =>
        model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);

    /// <summary>A float64 copy of a model on the CPU (same weights, eval mode): exact checks run in float64 without changing the model given.</summary>
    public static Transformer Float64Copy(Transformer model)
    {
        var copy = new Transformer(model.Config);
        copy.to(ScalarType.Float64);
        using (no_grad())
        {
            var source = model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
            foreach (var (name, p) in copy.named_parameters()) p.copy_(source[name]); // copy_ converts dtype and device
        }
        copy.eval();
        return copy;
    }

    private Tensor LinearAttention(IReadOnlyDictionary<string, Tensor> weights, int layer, Tensor x)
    {
        long t = x.shape[0];
        using var future = ones(t, t, dtype: ScalarType.Bool, device: x.device).triu(1);
        Tensor? output = null;
        for (int h = 0; h < Config.Heads; h++)
        {
            var (q, k, v, o) = Head(weights, layer, h);
            var scores = x.matmul(q.t()).matmul(x.matmul(k.t()).t()).masked_fill(future, Slt.Platform.Scalars.Of(0.0)); // [t, t], q_i·k_j, j ≤ i
            var term = scores.matmul(x.matmul(v.t())).matmul(o.t());
            output = output is null ? term : output + term;
        }
        return output!;
    }

    private static (Tensor Q, Tensor K, Tensor V, Tensor O) Head(IReadOnlyDictionary<string, Tensor> weights, int layer, int head)
    {
        var names = Transformer.HeadParameterNames(layer, head);
        return (Get(weights, names[0]), Get(weights, names[1]), Get(weights, names[2]), Get(weights, names[3]));
    }

    private static Tensor Get(IReadOnlyDictionary<string, Tensor> weights, string name) =>
        weights.TryGetValue(name, out var w) ? w
            : throw new ArgumentException($"The weights have no '{name}' (keys as in named_parameters() of a linear-attention Transformer).", nameof(weights));
}
