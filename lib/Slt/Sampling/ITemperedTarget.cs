using static TorchSharp.torch;

namespace Slt.Sampling;

/// <summary>
/// What the sampler samples from: an empirical loss L_n(w) of named parameters, to be tempered into
/// p_β(w) ∝ exp(−nβ L_n(w) − (γ/2)‖w − w*‖²) (Lau et al. 2023, arXiv 2308.12108). Implementations: potentials and deep
/// linear networks (many chains as one batched tensor), and any TorchSharp module (one chain per group).
/// </summary>
public interface ITemperedTarget
{
    /// <summary>n, the number of samples L_n averages over; the default nβ is n / log n.</summary>
    long SampleSize { get; }

    /// <summary>The parameters' names, in the order of <see cref="ChainGroup.Parameters"/>; masks refer to these.</summary>
    IReadOnlyList<string> ParameterNames { get; }

    /// <summary>Most chains one <see cref="ChainGroup"/> can hold (chains as a leading tensor dimension); 1 for a module.</summary>
    int MaxChainsPerGroup { get; }

    /// <summary>Number of data points mini-batches are drawn from; 0 when the loss has no data (full batch only).</summary>
    long DataSize { get; }

    /// <summary>Creates <paramref name="chains"/> chains, every one at w*.</summary>
    ChainGroup CreateGroup(int chains);

    /// <summary>How many chain groups may run at the same time, each on its own thread (a module target with copies of
    /// its module); 1 (default): one after another.</summary>
    int ConcurrentGroups => 1;

    /// <summary>Creates a group in worker slot <paramref name="slot"/> ∈ [0, <see cref="ConcurrentGroups"/>): groups
    /// that run at the same time use different slots. The default has slot 0 only.</summary>
    ChainGroup CreateGroup(int chains, int slot) =>
        slot == 0 ? CreateGroup(chains) : throw new ArgumentOutOfRangeException(nameof(slot), slot, "This target runs one group at a time.");

    /// <summary>What w* is: a true parameter of the data's distribution, or a point fitted to the same sample (a trained
    /// network, the empirical minimiser). It decides whether the fluctuation correction λ̂ + βν̂ applies
    /// (<c>Slt.Estimators.FluctuationCorrection</c>). Default <see cref="OptimumKind.FittedToSample"/>, the case of any
    /// trained model; only a target that knows its truth (a teacher, a potential's zero) says otherwise.</summary>
    OptimumKind OptimumKind => OptimumKind.FittedToSample;
}

/// <summary>Where the point w* that chains start from and are localized at comes from.</summary>
public enum OptimumKind
{
    /// <summary>w* was fitted to the sample the loss averages over (end of training, the empirical minimiser ŵ). The baseline
    /// L_n(w*) then already sits below L_n(w₀) by about (d/2)/n in a regular model, which cancels the βν bias of the raw
    /// λ̂ to first order in β: no fluctuation correction.</summary>
    FittedToSample,
    /// <summary>w* is a true parameter w₀ (q = p(·|w₀)): the linear networks' teacher, a potential's zero. Watanabe's equation
    /// of state then gives E[λ̂] = λ − βν(β) on a sample, and λ̂ + βν̂ corrects it.</summary>
    TrueParameter,
}

/// <summary>Chains that share one loss evaluation: parameters carry a leading chain dimension when
/// <see cref="HasChainDimension"/>, and <see cref="Loss"/> returns one value per chain.</summary>
public abstract class ChainGroup : IDisposable
{
    protected ChainGroup(int chains)
    {
        if (chains <= 0) throw new ArgumentOutOfRangeException(nameof(chains), chains, "chains must be positive.");
        Chains = chains;
    }

    /// <summary>Number of chains in this group.</summary>
    public int Chains { get; }

    /// <summary>True when each parameter's first dimension indexes chains; false for a module's own parameters (one chain).</summary>
    public abstract bool HasChainDimension { get; }

    /// <summary>The leaf tensors (requires_grad) in <see cref="ITemperedTarget.ParameterNames"/> order.</summary>
    public abstract IReadOnlyList<Tensor> Parameters { get; }

    /// <summary>w*, one tensor per parameter, broadcastable against <see cref="Parameters"/> (no chain dimension).</summary>
    public abstract IReadOnlyList<Tensor> Optimum { get; }

    /// <summary>L per chain, shape [Chains]: on the data points <paramref name="batch"/> (1-D indices), or the full
    /// training data when null. Differentiable with respect to <see cref="Parameters"/>.</summary>
    public abstract Tensor Loss(Tensor? batch);

    /// <summary>Optionally, the loss and its exact gradient with respect to every parameter without autograd (a closed
    /// form is several times faster for tiny models). Null (default): the sampler differentiates <see cref="Loss"/>.</summary>
    public virtual (Tensor Loss, Tensor[] Gradients)? LossAndGradient(Tensor? batch) => null;

    /// <summary>True when <see cref="LossAndExcess"/> returns the mini-batch excess over w* (per-point losses known).</summary>
    public virtual bool HasBatchExcess => false;

    /// <summary>The loss of <see cref="Loss"/> and, when <see cref="HasBatchExcess"/>, the excess
    /// mean_{i∈batch} (ℓ_i(w) − ℓ_i(w*)) per chain (detached): an unbiased estimate of L_n(w) − L_n(w*) over the full data.</summary>
    public virtual (Tensor Loss, Tensor? Excess) LossAndExcess(Tensor? batch) => (Loss(batch), null);

    /// <summary>L_n per chain over all the data points (the mean the mini-batch excess is unbiased for); called under no_grad.</summary>
    public virtual Tensor FullDataLoss() => Loss(null);

    /// <summary>L_n per chain on the fixed evaluation set (full data by default), shape [Chains]; called under no_grad.</summary>
    public virtual Tensor EvaluationLoss() => Loss(null);

    /// <summary>Optionally, the negative log-likelihood ℓ_i(w) = −log p(y_i | x_i, w) of each of m fixed data points
    /// (a uniform subset of the <see cref="ITemperedTarget.DataSize"/> i.i.d. points, or all of them), shape [Chains, m],
    /// such that n L_n(w) = Σ_i ℓ_i(w) over all the points; called under no_grad. The sampler turns it into the
    /// functional variance V_n = Σ_i Var_w[ℓ_i(w)] (scaled by DataSize/m), from which the estimator corrects λ̂ for
    /// the sample's fluctuation (<c>Slt.Estimators.FluctuationCorrection</c>). Null (default): not available.</summary>
    public virtual Tensor? PointwiseLoss() => null;

    /// <summary>True when the group has values to record at every draw (<see cref="DrawObservables"/>); the sampler then
    /// returns them as <see cref="SamplingRun.DrawObservables"/>. Default false: nothing extra is computed.</summary>
    public virtual bool HasDrawObservables => false;

    /// <summary>The values of m observables φ_1(w), …, φ_m(w) at the current state, shape [Chains, m], recorded at every
    /// draw after burn-in when <see cref="HasDrawObservables"/> (e.g. the per-window, per-length losses from which
    /// susceptibilities follow, <c>Slt.Transitions</c>); called under no_grad.</summary>
    public virtual Tensor DrawObservables() =>
        throw new NotSupportedException("This chain group records no draw observables (HasDrawObservables is false).");

    /// <summary>Sum over everything but the chain dimension: shape [Chains].</summary>
    public Tensor PerChainSum(Tensor x) => HasChainDimension ? x.reshape(Chains, -1).sum(1) : x.sum().reshape(1);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing) { }
}
