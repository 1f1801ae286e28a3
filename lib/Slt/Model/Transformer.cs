using Slt.Platform;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Slt.Model;

/// <summary>
/// The model p(y | x, w) of the learning machine: a small decoder-only transformer (nanoGPT's layout, Radford et al.
/// 2019): token and learned positional embeddings, <see cref="TransformerConfig.Layers"/> causal pre-norm blocks, a final
/// LayerNorm and an unembedding. <c>forward</c> maps windows [B, T] (T ≤ C) to logits [B, T, |S|]; position l − 1 gives
/// p(t_{l+1} | t_1..t_l, w), so one pass predicts for every input length.
/// </summary>
/// <remarks>
/// Stable parameter names (the keys of <c>named_parameters()</c> and of checkpoints):
/// <c>token_embedding.weight</c>, <c>position_embedding.weight</c>,
/// <c>blocks.{i}.attention_norm.{weight,bias}</c>, <c>blocks.{i}.attention.heads.{h}.{query,key,value,output}.weight</c>,
/// <c>blocks.{i}.mlp_norm.{weight,bias}</c>, <c>blocks.{i}.mlp.{0,2}.{weight,bias}</c>, <c>final_norm.{weight,bias}</c>,
/// <c>unembedding.{weight,bias}</c>. See <see cref="HeadParameterNames"/>. With linear attention
/// (<see cref="AttentionKind.Linear"/>) there is no <c>attention_norm</c>, and each block has the context map
/// <c>blocks.{i}.attention.context_map.weight</c> (d × d, zero at initialisation; <see cref="ContextMapParameterName"/>).
/// </remarks>
public sealed class Transformer : nn.Module<Tensor, Tensor>, INextTokenPredictor
{
#pragma warning disable IDE1006
    private readonly Embedding token_embedding;
    private readonly Embedding position_embedding;
    private readonly ModuleList<TransformerBlock> blocks;
    private readonly nn.Module<Tensor, Tensor> final_norm;
    private readonly Linear unembedding;
#pragma warning restore IDE1006

    /// <summary>Builds the model with weights drawn from N(0, 0.02²) (biases 0, LayerNorm gains 1, linear attention's context
    /// maps 0) by a generator seeded with <paramref name="seed"/>.</summary>
    public Transformer(TransformerConfig config, long seed = 0) : base(nameof(Transformer))
    {
        Config = config.Validate();
        token_embedding = nn.Embedding(config.VocabularySize, config.ModelDimension);
        position_embedding = nn.Embedding(config.ContextLength, config.ModelDimension);
        blocks = new ModuleList<TransformerBlock>();
        for (int i = 0; i < config.Layers; i++) blocks.Add(new TransformerBlock(config));
        final_norm = config.LayerNorm ? nn.LayerNorm(config.ModelDimension) : nn.Identity();
        unembedding = nn.Linear(config.ModelDimension, config.VocabularySize);
        RegisterComponents();
        Initialise(seed);
    }

    public TransformerConfig Config { get; }

    public int VocabularySize => Config.VocabularySize;

    public IReadOnlyList<TransformerBlock> Blocks => blocks.ToList();

    /// <summary>Number of trainable parameters, the dimension of W.</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>Every parameter: its stable name, shape and number of entries.</summary>
    public Microsoft.Data.Analysis.DataFrame ParameterTable()
    {
        var ps = named_parameters().ToArray();
        return new Microsoft.Data.Analysis.DataFrame(
            new Microsoft.Data.Analysis.StringDataFrameColumn("name", ps.Select(p => p.name)),
            new Microsoft.Data.Analysis.StringDataFrameColumn("shape", ps.Select(p => "[" + string.Join(", ", p.parameter.shape) + "]")),
            new Microsoft.Data.Analysis.PrimitiveDataFrameColumn<long>("entries", ps.Select(p => p.parameter.numel())));
    }

    /// <summary>The names of one head's four weight matrices (query, key, value, output), for weight-restricted sampling.</summary>
    public static IReadOnlyList<string> HeadParameterNames(int layer, int head) =>
        new[] { "query", "key", "value", "output" }.Select(m => $"blocks.{layer}.attention.heads.{head}.{m}.weight").ToArray();

    /// <summary>The name of layer <paramref name="layer"/>'s context map D (linear attention only).</summary>
    public static string ContextMapParameterName(int layer) => $"blocks.{layer}.attention.context_map.weight";

    public override Tensor forward(Tensor windows)
    {
        var x = Embed(windows);
        foreach (var block in blocks) x = block.forward(x);
        return Readout(x);
    }

    /// <summary>The residual stream entering the first block: token plus positional embeddings, [B, T, d].</summary>
    public Tensor Embed(Tensor windows)
    {
        if (windows.dim() != 2) throw new ArgumentException($"windows must be [B, T]; got shape [{string.Join(", ", windows.shape)}].", nameof(windows));
        long t = windows.shape[1];
        if (t > Config.ContextLength)
            throw new ArgumentException($"windows have length {t} > C = {Config.ContextLength}.", nameof(windows));
        using var positions = arange(t, dtype: ScalarType.Int64, device: windows.device);
        return token_embedding.forward(windows).Plus(position_embedding.forward(positions));   // no implicit Scalar (Slt.Platform.Scalars)
    }

    /// <summary>Logits from the residual stream leaving the last block: the unembedding of the final LayerNorm.</summary>
    public Tensor Readout(Tensor residual) => unembedding.forward(final_norm.forward(residual));

        /// <summary>A new model of the same configuration on the same device, with the same dtype and in the same train/eval mode, its weights
    /// freshly initialised (a worker for chains run in parallel: the sampler sets its weights).</summary>
    public Transformer SameArchitecture()
    {
        var copy = new Transformer(Config);
        var first = parameters().First();
        if (first.dtype != copy.parameters().First().dtype) copy.to(first.dtype);
        if (first.device.type != DeviceType.CPU) copy.to(first.device);
        if (!training) copy.eval();
        return copy;
    }

    /// <summary>log p(· | t_1..t_l, w) for all l: log_softmax of the logits, [B, T, |S|].</summary>
    public Tensor LogProbabilities(Tensor windows) => forward(windows).log_softmax(-1);

    private void Initialise(long seed)
    {
        using var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var (name, p) in named_parameters())
        {
            bool isNorm = name.Contains("_norm.");
            if (name.EndsWith(".bias") || name.Contains(".context_map.")) p.zero_();
            else if (isNorm) p.fill_(1.0);
            else p.normal_(0.0, 0.02, generator);
        }
    }
}
