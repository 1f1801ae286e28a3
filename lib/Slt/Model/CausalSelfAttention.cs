using Slt.Platform;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Slt.Model;

/// <summary>
/// Causal multi-head self-attention. Softmax (Vaswani et al. 2017): for each head h,
/// A_h = softmax(mask(X W_Qʰᵀ (X W_Kʰᵀ)ᵀ / √d_h)), and the output is Σ_h A_h X W_Vʰᵀ W_Oʰᵀ. Linear
/// (<see cref="AttentionKind.Linear"/>): A_h = mask(X W_Qʰᵀ (X W_Kʰᵀ)ᵀ) with the future terms zeroed, i.e. position i
/// receives Σ_h W_Oʰ W_Vʰ (Σ_{j≤i} x_j x_jᵀ) W_Kʰᵀ W_Qʰ x_i, plus D x_i with the context map D
/// (<c>context_map.weight</c>, present only in linear mode). Position i attends to positions ≤ i only, so one forward
/// pass gives a prediction for every input length at once.
/// </summary>
public sealed class CausalSelfAttention : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly ModuleList<AttentionHead> heads;
    private readonly Linear? context_map;
#pragma warning restore IDE1006
    private readonly int _headDimension;

    public CausalSelfAttention(int modelDimension, int headCount, AttentionKind kind = AttentionKind.Softmax) : base(nameof(CausalSelfAttention))
    {
        _headDimension = modelDimension / headCount;
        Kind = kind;
        heads = new ModuleList<AttentionHead>();
        for (int h = 0; h < headCount; h++) heads.Add(new AttentionHead(modelDimension, _headDimension));
        if (kind == AttentionKind.Linear) context_map = nn.Linear(modelDimension, modelDimension, hasBias: false);
        RegisterComponents();
    }

    public IReadOnlyList<AttentionHead> Heads => heads.ToList();

    /// <summary>Softmax or linear.</summary>
    public AttentionKind Kind { get; }

    /// <summary>The context map D (d × d) of linear attention, added as D x_i at every position; null for softmax.</summary>
    public Parameter? ContextMap => context_map?.weight;

    public override Tensor forward(Tensor x) => Attend(x, out _, keepPattern: false);

    /// <summary>Forward pass that also returns the attention pattern [B, H, T, T] (for linear attention: the raw
    /// scores q_i·k_j with the future zeroed, not a probability).</summary>
    public Tensor Attend(Tensor x, out Tensor? pattern, bool keepPattern = true)
    {
        long b = x.shape[0], t = x.shape[1];
        int h = heads.Count;
        using var wq = cat(heads.Select(a => (Tensor)a.Query).ToArray(), 0);
        using var wk = cat(heads.Select(a => (Tensor)a.Key).ToArray(), 0);
        using var wv = cat(heads.Select(a => (Tensor)a.Value).ToArray(), 0);
        using var wo = cat(heads.Select(a => (Tensor)a.Output).ToArray(), 1);
        var q = nn.functional.linear(x, wq).view(b, t, h, _headDimension).transpose(1, 2);
        var k = nn.functional.linear(x, wk).view(b, t, h, _headDimension).transpose(1, 2);
        var v = nn.functional.linear(x, wv).view(b, t, h, _headDimension).transpose(1, 2);
        using var mask = ones(t, t, dtype: ScalarType.Bool, device: x.device).triu(1);
        Tensor attention;
        if (Kind == AttentionKind.Linear)
            attention = q.matmul(k.transpose(-2, -1)).masked_fill(mask, Scalars.Of(0.0));
        else
        {
            var scores = q.matmul(k.transpose(-2, -1)).div(Scalars.Of(Math.Sqrt(_headDimension)));
            attention = scores.masked_fill(mask, Scalars.Of(double.NegativeInfinity)).softmax(-1);
        }
        pattern = keepPattern ? attention : null;
        var mixed = attention.matmul(v).transpose(1, 2).contiguous().view(b, t, h * _headDimension);
        var output = nn.functional.linear(mixed, wo);
        return context_map is null ? output : output.Plus(context_map.forward(x));
    }
}
