using Slt.Platform;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Slt.Model;

/// <summary>
/// One pre-norm block: x ← x + Attn(LN(x)); then, with an MLP, x ← x + W₂ GELU(W₁ LN(x) + b₁) + b₂.
/// Submodules: <c>attention_norm</c>, <c>attention</c>, <c>mlp_norm</c>, <c>mlp.0</c>/<c>mlp.2</c> (absent when off).
/// With linear attention the attention reads the residual stream itself (<c>attention_norm</c> is the identity and has
/// no parameters): x ← x + Attn(x).
/// </summary>
public sealed class TransformerBlock : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly nn.Module<Tensor, Tensor> attention_norm;
    private readonly CausalSelfAttention attention;
    private readonly nn.Module<Tensor, Tensor>? mlp_norm;
    private readonly Sequential? mlp;
#pragma warning restore IDE1006

    public TransformerBlock(TransformerConfig config) : base(nameof(TransformerBlock))
    {
        int d = config.ModelDimension;
        attention_norm = config.LayerNorm && config.Attention == AttentionKind.Softmax ? nn.LayerNorm(d) : nn.Identity();
        attention = new CausalSelfAttention(d, config.Heads, config.Attention);
        if (config.Mlp)
        {
            mlp_norm = config.LayerNorm ? nn.LayerNorm(d) : nn.Identity();
            mlp = nn.Sequential(nn.Linear(d, config.MlpHidden), nn.GELU(), nn.Linear(config.MlpHidden, d));
        }
        RegisterComponents();
    }

    public CausalSelfAttention Attention => attention;

    /// <summary>Whether the block has an MLP after attention.</summary>
    public bool HasMlp => mlp is not null;

    public override Tensor forward(Tensor x)
    {
        var h = AfterAttention(x);
        return mlp is null ? h : h.Plus(mlp.forward(mlp_norm!.forward(h)));
    }

    /// <summary>The residual stream after the attention half of the block, h = x + Attn(LN(x)).</summary>
    public Tensor AfterAttention(Tensor x) => x.Plus(attention.forward(attention_norm.forward(x)));   // x + y would make a Scalar temporary a GC can free mid-call

    /// <summary>The MLP's input, its normalized residual stream LN(h) (h itself without LayerNorm); the input of <c>mlp.0</c>.</summary>
    /// <exception cref="InvalidOperationException">The block has no MLP.</exception>
    public Tensor MlpInput(Tensor h) =>
        mlp is null ? throw new InvalidOperationException("This block has no MLP.") : mlp_norm!.forward(h);

    /// <summary>The MLP applied to its normalized input a: W₂ GELU(W₁ a + b₁) + b₂.</summary>
    /// <exception cref="InvalidOperationException">The block has no MLP.</exception>
    public Tensor Mlp(Tensor a) =>
        mlp is null ? throw new InvalidOperationException("This block has no MLP.") : mlp.forward(a);
}
