namespace Slt.Sampling;

/// <summary>A prior box [Lower, Upper] on every sampled coordinate; SGLD proposals leaving it are reflected back.</summary>
public sealed record PriorBox
{
    public PriorBox(double lower, double upper)
    {
        if (!double.IsFinite(lower) || !double.IsFinite(upper) || !(lower < upper))
            throw new ArgumentOutOfRangeException(nameof(lower), $"[{lower}, {upper}]", "The prior box needs finite Lower < Upper.");
        Lower = lower;
        Upper = upper;
    }

    public double Lower { get; }
    public double Upper { get; }

    /// <summary>The box [−1, 1] of the ground-truth potentials.</summary>
    public static PriorBox Symmetric(double half) => new(-half, half);
}

/// <summary>What the recorded loss of a draw is.</summary>
public enum DrawLoss
{
    /// <summary>L_n(w) on the target's fixed evaluation set at each draw (full batch: the loss of every post-burn-in step,
    /// which the gradient computes anyway). One extra forward pass over the evaluation set per draw with mini-batches.</summary>
    EvaluationSet,
    /// <summary>L_n(w*) plus the mean, over the steps since the previous draw, of each step's mini-batch excess
    /// mean_{i∈B}(ℓ_i(w) − ℓ_i(w*)) (<see cref="ChainGroup.LossAndExcess"/>): unbiased for the mean of L_n(w) over those
    /// steps, at no extra forward pass, and using every step rather than one in <see cref="SgldSettings.StepsBetweenDraws"/>.
    /// Its added noise is the batch-to-batch spread of the excess, which the effective sample size of the trace accounts
    /// for. Needs a target with per-point losses (<see cref="ModuleTarget.PerPoint"/>).</summary>
    MiniBatchExcess,
}

/// <summary>Where chains start.</summary>
public enum ChainStart
{
    /// <summary>At w* (the LLC convention).</summary>
    Optimum,
    /// <summary>Uniformly in the prior box (for sampling a whole posterior, e.g. WBIC or thermodynamic integration).</summary>
    PriorBox,
}

/// <summary>
/// Settings of stochastic-gradient Langevin dynamics (Welling &amp; Teh 2011) on the localized tempered posterior
/// p(w) ∝ exp(−nβ L(w) − (γ/2)‖w − w*‖²), one step being
/// Δw = −(ε/2)(nβ ∇L_batch(w) + γ(w − w*)) + N(0, ε I)  (Lau et al. 2023, arXiv 2308.12108).
/// </summary>
/// <remarks>
/// nβ is set here and only here (<see cref="NBeta"/>); every estimator reads the value the run used
/// (<see cref="SamplingRun.NBeta"/>). Its default is n / log n, i.e. β = 1 / log n with n the sample size of the loss
/// (Watanabe's WBIC temperature) — not the batch size.
/// </remarks>
public sealed record SgldSettings
{
    private readonly double _stepSize = 1e-4;
    private readonly double? _nBeta;
    private readonly double _localization;
    private readonly int _chains = 4, _draws = 500, _stepsBetweenDraws = 1, _burnIn = 500;
    private readonly int? _batchSize;
    private readonly int? _parallelGroups;
    private readonly int _malaEvery = 10;
    private readonly double? _rmsPropDecay;

    /// <summary>ε, the step size (variance of the injected noise). Default 1e−4.</summary>
    public double StepSize { get => _stepSize; init => _stepSize = Positive(value, nameof(StepSize)); }

    /// <summary>nβ, the inverse temperature times n. Null (default): n / log n.</summary>
    public double? NBeta { get => _nBeta; init => _nBeta = value is null ? null : Positive(value.Value, nameof(NBeta)); }

    /// <summary>γ ≥ 0, the strength of the Gaussian localization around w*. Default 0.</summary>
    public double Localization
    {
        get => _localization;
        init => _localization = value >= 0 && double.IsFinite(value) ? value
            : throw new ArgumentOutOfRangeException(nameof(Localization), value, "Localization γ must be finite and ≥ 0.");
    }

    /// <summary>Number of independent chains. Default 4.</summary>
    public int Chains { get => _chains; init => _chains = AtLeast(value, 1, nameof(Chains)); }

    /// <summary>Recorded draws per chain after burn-in. Default 500.</summary>
    public int Draws { get => _draws; init => _draws = AtLeast(value, 4, nameof(Draws)); }

    /// <summary>SGLD steps between recorded draws (thinning). Default 1.</summary>
    public int StepsBetweenDraws { get => _stepsBetweenDraws; init => _stepsBetweenDraws = AtLeast(value, 1, nameof(StepsBetweenDraws)); }

    /// <summary>Steps discarded before the first draw; never part of an estimate. Default 500.</summary>
    public int BurnIn { get => _burnIn; init => _burnIn = AtLeast(value, 0, nameof(BurnIn)); }

    /// <summary>Mini-batch size for the gradient; null (default) for the full batch.</summary>
    public int? BatchSize { get => _batchSize; init => _batchSize = value is null ? null : AtLeast(value.Value, 1, nameof(BatchSize)); }

    /// <summary>Optional prior box with reflection; null for none.</summary>
    public PriorBox? Box { get; init; }

    /// <summary>Names of the parameters to sample (the others stay at w*); null samples all (weight-restricted LLC).</summary>
    public IReadOnlyList<string>? SampledParameters { get; init; }

    /// <summary>
    /// Rows of sampled tensors to sample, the rest of each such tensor held at w* (a row-restricted LLC: e.g. the
    /// embedding rows of some tokens). Key: a sampled parameter's name; value: indices along its first dimension (for
    /// a 1-D tensor, its entries), distinct, in [0, rows). Drift, noise, localization, the pSGLD preconditioner's action
    /// and the MALA check act on the named rows only; the other entries stay exactly at w*, and the run's
    /// <see cref="SamplingRun.SampledDimension"/> counts the sampled entries. A tensor not named here is sampled whole.
    /// Null (default): no row restriction. Checked by the sampler: an unknown or unsampled name, an empty row list, a
    /// repeated row, a row out of range or a 0-dimensional tensor is an <see cref="ArgumentException"/>.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<int>>? SampledRows { get; init; }

    /// <summary>RMSprop preconditioning (Li et al. 2016, pSGLD) with this decay α ∈ (0, 1); null (default) for plain SGLD.
    /// The preconditioner adapts during burn-in only and is frozen afterwards (see <see cref="Sgld"/>), so it needs
    /// BurnIn ≥ 1, and a burn-in long against 1 / (1 − α).</summary>
    public double? RmsPropDecay
    {
        get => _rmsPropDecay;
        init => _rmsPropDecay = value is null or (> 0 and < 1) ? value
            : throw new ArgumentOutOfRangeException(nameof(RmsPropDecay), value, "RMSprop decay must lie in (0, 1).");
    }

    /// <summary>
    /// Metropolis-adjusted Langevin (MALA, Roberts &amp; Tweedie 1996): each proposal is accepted with the Metropolis–Hastings
    /// probability and a rejected chain stays where it was (<see cref="MetropolisAdjustment"/>), at the same one evaluation
    /// of L and ∇L per step. The chains then sample the tempered posterior exactly at any ε: no discretization bias, and
    /// a larger ε only lowers the acceptance. Needs the full batch (<see cref="BatchSize"/> null). The reported MALA
    /// acceptance is then the acceptance of the run's own moves. Default false (SGLD: every proposal taken).
    /// </summary>
    public bool MetropolisAdjusted { get; init; }

    /// <summary>Compute the MALA acceptance rate of the SGLD proposals (a few extra tensor operations per step). Default true.</summary>
    public bool TrackMalaAcceptance { get; init; } = true;

    /// <summary>The MALA acceptance is computed on every k-th proposal (k = MalaEvery ≥ 1). Default 10.</summary>
    public int MalaEvery { get => _malaEvery; init => _malaEvery = AtLeast(value, 1, nameof(MalaEvery)); }

    /// <summary>What a draw records. Default <see cref="Sampling.DrawLoss.EvaluationSet"/>.</summary>
    public DrawLoss DrawLoss { get; init; } = DrawLoss.EvaluationSet;

    /// <summary>Most chain groups run at the same time, each on its own thread, when the target allows it
    /// (<see cref="ITemperedTarget.ConcurrentGroups"/>). Null (default): the processor count divided by libtorch's
    /// intra-op threads, at least 1. Results do not depend on it: each group has its own generator.</summary>
    public int? ParallelGroups { get => _parallelGroups; init => _parallelGroups = value is null ? null : AtLeast(value.Value, 1, nameof(ParallelGroups)); }

    /// <summary>Where chains start. Default at w*.</summary>
    public ChainStart Start { get; init; } = ChainStart.Optimum;

    /// <summary>Seed of the first chain group; group g uses a generator seeded from (Seed, g).</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Total SGLD steps per chain.</summary>
    public long TotalSteps => BurnIn + (long)Draws * StepsBetweenDraws;

    /// <summary>The nβ a run on data of size n uses: <see cref="NBeta"/>, else n / log n.</summary>
    public double ResolveNBeta(long n)
    {
        if (NBeta is double v) return v;
        if (n < 3) throw new ArgumentOutOfRangeException(nameof(n), n, "The default nβ = n / log n needs n ≥ 3; set NBeta explicitly.");
        return n / Math.Log(n);
    }

    private static double Positive(double value, string name) =>
        value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and > 0.");

    private static int AtLeast(int value, int min, string name) =>
        value >= min ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be ≥ {min}.");
}
