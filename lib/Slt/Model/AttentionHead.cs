using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Slt.Model;

/// <summary>
/// One attention head's weights: W_Q, W_K, W_V (d → d_h) and its share W_O (d_h → d) of the output projection.
/// Parameter names: <c>query.weight</c>, <c>key.weight</c>, <c>value.weight</c>, <c>output.weight</c>, so the full name
/// of one head's query weight is e.g. <c>blocks.0.attention.heads.1.query.weight</c>. The computation is done by
/// <see cref="CausalSelfAttention"/>, which stacks all heads' weights into one matrix product.
/// </summary>
public sealed class AttentionHead : nn.Module
{
#pragma warning disable IDE1006 // parameter names follow the state-dict convention
    internal readonly Linear query;
    internal readonly Linear key;
    internal readonly Linear value;
    internal readonly Linear output;
#pragma warning restore IDE1006

    public AttentionHead(int modelDimension, int headDimension) : base(nameof(AttentionHead))
    {
        query = nn.Linear(modelDimension, headDimension, hasBias: false);
        key = nn.Linear(modelDimension, headDimension, hasBias: false);
        value = nn.Linear(modelDimension, headDimension, hasBias: false);
        output = nn.Linear(headDimension, modelDimension, hasBias: false);
        RegisterComponents();
    }

    public Parameter Query => query.weight!;
    public Parameter Key => key.weight!;
    public Parameter Value => value.weight!;
    public Parameter Output => output.weight!;
}
