namespace Slt.Additivity;

/// <summary>
/// Settings of a <see cref="PotentialAdditivity"/> estimate. The evidence is taken at t = n (L_n = K, so
/// Z_n = ∫ φ e^{−nK}); λ̂ and the exact E_t[tK] it converges to at t = nβ, by default nβ = n (the convention of
/// <c>slt llc potential</c>, where t plays nβ); nβ = n / log n gives the WBIC temperature, where log n · E_t[tK] = WBIC.
/// </summary>
public sealed record PotentialAdditivitySettings
{
    private readonly double _sampleSize = 1000;
    private readonly double? _nBeta;
    private readonly int _chains = 64;
    private readonly int? _burnIn, _draws, _stepsBetweenDraws;
    private readonly double _relativeSlack = 0.05, _standardErrors = 2;

    /// <summary>n: the evidence Z_n and free energy F_n = −log Z_n are taken at t = n. Default 1000.</summary>
    public double SampleSize { get => _sampleSize; init => _sampleSize = value > 1 && double.IsFinite(value) ? value : throw Bad(nameof(SampleSize), value, "must be finite and > 1"); }

    /// <summary>nβ, the temperature SGLD samples at and E_t[tK] is taken at; null (default): nβ = n.</summary>
    public double? NBeta { get => _nBeta; init => _nBeta = value is null || value > 0 && double.IsFinite(value.Value) ? value : throw Bad(nameof(NBeta), value, "must be finite and > 0"); }

    /// <summary>Chains per piece (default 64).</summary>
    public int Chains { get => _chains; init => _chains = value >= 2 ? value : throw Bad(nameof(Chains), value, "must be at least 2 (the spread of chain means is part of the se)"); }

    /// <summary>Burn-in steps per piece; null: the validated schedule of <see cref="Slt.GroundTruth.GroundTruthCases.PotentialSettings"/>.</summary>
    public int? BurnIn { get => _burnIn; init => _burnIn = value is null or >= 0 ? value : throw Bad(nameof(BurnIn), value, "must be ≥ 0"); }

    /// <summary>Recorded draws per chain; null: the validated schedule (200).</summary>
    public int? Draws { get => _draws; init => _draws = value is null or >= 4 ? value : throw Bad(nameof(Draws), value, "must be at least 4"); }

    /// <summary>SGLD steps between recorded draws; null: the validated schedule.</summary>
    public int? StepsBetweenDraws { get => _stepsBetweenDraws; init => _stepsBetweenDraws = value is null or >= 1 ? value : throw Bad(nameof(StepsBetweenDraws), value, "must be at least 1"); }

    /// <summary>Base seed; piece i (0 the whole, then the parts) samples with seed 1009·Seed + i, so the runs are independent
    /// and their standard errors add in quadrature.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Systematic error allowed per λ̂, as a fraction of it (default 0.05: the step-size bias the validation suite
    /// allows a potential's λ̂, docs/validation.md).</summary>
    public double RelativeSlack { get => _relativeSlack; init => _relativeSlack = value >= 0 && value < 1 ? value : throw Bad(nameof(RelativeSlack), value, "must lie in [0, 1)"); }

    /// <summary>How many combined standard errors the estimated gap may be from zero and still be called additive (default 2).</summary>
    public double StandardErrors { get => _standardErrors; init => _standardErrors = value > 0 && double.IsFinite(value) ? value : throw Bad(nameof(StandardErrors), value, "must be finite and > 0"); }

    /// <summary>The temperature the pieces are sampled at: <see cref="NBeta"/>, else n.</summary>
    public double SamplingTemperature => NBeta ?? SampleSize;

    /// <summary>The seed of piece <paramref name="index"/> (0 the whole, 1.. the parts).</summary>
    public long PieceSeed(int index) => unchecked(1009 * Seed + index);

    private static ArgumentOutOfRangeException Bad(string name, object? value, string rule) => new(name, value, $"{name} {rule}; got {value}.");
}
