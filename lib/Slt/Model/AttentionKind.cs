using System.Text.Json;
using System.Text.Json.Serialization;

namespace Slt.Model;

/// <summary>How a block's attention turns the scores q_i·k_j into weights (JSON: <c>"softmax"</c> | <c>"linear"</c>).</summary>
[JsonConverter(typeof(AttentionKindJsonConverter))]
public enum AttentionKind
{
    /// <summary>
    /// softmax over the positions j ≤ i of q_i·k_j / √d_h (Vaswani et al. 2017), after a pre-attention LayerNorm when
    /// <see cref="TransformerConfig.LayerNorm"/> is on. The default.
    /// </summary>
    Softmax,

    /// <summary>
    /// Linear attention: the raw scores q_i·k_j for j ≤ i (future terms zeroed), no softmax, no 1/N, no 1/√d_h, and no
    /// normalization between the residual stream and the attention. Position i receives
    /// Σ_h W_Oʰ W_Vʰ (Σ_{j≤i} e_j e_jᵀ) W_Kʰᵀ W_Qʰ e_i + D e_i, where D (<c>attention.context_map.weight</c>, d × d,
    /// zero at initialisation) is the "context map": a prepended context C enters only through Σ_C = Σ_{c∈C} e_c e_cᵀ,
    /// so a model without C but with D + Σ_h W_Oʰ W_Vʰ Σ_C W_Kʰᵀ W_Qʰ in place of D predicts exactly as the model with C
    /// (Dai et al. 2023, arXiv 2212.10559; von Oswald et al. 2023, arXiv 2212.07677); see <c>Slt.Contexts.LinearContextMap</c>.
    /// </summary>
    Linear,
}

/// <summary>Reads and writes <see cref="AttentionKind"/> as a camelCase string; a number or an unknown name is an error.</summary>
internal sealed class AttentionKindJsonConverter() : JsonStringEnumConverter<AttentionKind>(JsonNamingPolicy.CamelCase, allowIntegerValues: false);
