using System.Globalization;

namespace Slt.Transitions;

/// <summary>
/// What <see cref="ContextRecognition"/> measures and how it calls an onset.
/// </summary>
/// <param name="Windows">Evaluation windows drawn from the truth (the same at every checkpoint), at least 64; default
/// 4096, which leaves about a thousand windows in each family's tail class.</param>
/// <param name="Seed">The evaluation sample's seed (default 2; the training run draws its batches from its own seed).</param>
/// <param name="HeadShare">The head's share of each family's prior mass (<see cref="TaskFrequencyClass.HeadAndTail"/>); default ½.</param>
/// <param name="GainLevels">Levels g* of the captured gain that mark an onset; default 0.1 (the context starts to be
/// used: a tenth of the available gain) and 0.5 (half of it).</param>
/// <param name="GainZ">Standard errors by which G must exceed g*; default 3.</param>
/// <param name="ResidualLevel">R must fall below this; default ½ (the fitted F_C removes at least half of the context's effect).</param>
/// <param name="ResidualZ">Standard errors by which R must be below <see cref="ResidualLevel"/>; default 2.</param>
/// <param name="EffectFactor">The context's effect on the model, KL(mother ‖ no change), must exceed this multiple of
/// its value at the first checkpoint (the untrained network's sensitivity to a prefix); default 2.</param>
/// <param name="EffectZ">Standard errors by which the effect must exceed that; default 3.</param>
/// <param name="IncludeResidual">Whether to read the fitted context map's sweep (<see cref="Contexts.ContextFitSweep"/>,
/// full model, cached) for R over training; default true.</param>
public sealed record ContextRecognitionSettings(
    int Windows = 4096,
    long Seed = 2,
    double HeadShare = 0.5,
    IReadOnlyList<double>? GainLevels = null,
    double GainZ = 3,
    double ResidualLevel = 0.5,
    double ResidualZ = 2,
    double EffectFactor = 2,
    double EffectZ = 3,
    bool IncludeResidual = true)
{
    /// <summary>The defaults.</summary>
    public static ContextRecognitionSettings Default { get; } = new();

    /// <summary>The gain levels used.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<double> Levels => GainLevels ?? [0.1, 0.5];

    /// <summary>Throws a parameter-naming exception for a bad field; returns this otherwise.</summary>
    public ContextRecognitionSettings Validate()
    {
        if (Windows < 64) throw new ArgumentOutOfRangeException(nameof(Windows), Windows, "windows must be at least 64.");
        if (!(HeadShare > 0 && HeadShare < 1)) throw new ArgumentOutOfRangeException(nameof(HeadShare), HeadShare, "headShare must be in (0, 1).");
        if (Levels.Count == 0) throw new ArgumentException("gainLevels must list at least one level.", nameof(GainLevels));
        foreach (double g in Levels)
            if (!(g > 0 && g < 1)) throw new ArgumentOutOfRangeException(nameof(GainLevels), g, "every gain level must be in (0, 1).");
        if (!(GainZ >= 0) || !double.IsFinite(GainZ)) throw new ArgumentOutOfRangeException(nameof(GainZ), GainZ, "gainZ must be finite and ≥ 0.");
        if (!(ResidualLevel > 0) || !double.IsFinite(ResidualLevel)) throw new ArgumentOutOfRangeException(nameof(ResidualLevel), ResidualLevel, "residualLevel must be positive.");
        if (!(ResidualZ >= 0) || !double.IsFinite(ResidualZ)) throw new ArgumentOutOfRangeException(nameof(ResidualZ), ResidualZ, "residualZ must be finite and ≥ 0.");
        if (!(EffectFactor >= 1) || !double.IsFinite(EffectFactor)) throw new ArgumentOutOfRangeException(nameof(EffectFactor), EffectFactor, "effectFactor must be finite and ≥ 1.");
        if (!(EffectZ >= 0) || !double.IsFinite(EffectZ)) throw new ArgumentOutOfRangeException(nameof(EffectZ), EffectZ, "effectZ must be finite and ≥ 0.");
        return this;
    }

    /// <summary>The fields that determine the measured gains (the cache key's part; the onset criteria are applied afresh).</summary>
    internal string GainKey() => string.Create(CultureInfo.InvariantCulture, $"windows={Windows}|seed={Seed}|head={HeadShare:R}");
}
