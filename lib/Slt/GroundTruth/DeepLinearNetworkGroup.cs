using Slt.Platform;
using Slt.Sampling;
using static TorchSharp.torch;

namespace Slt.GroundTruth;

/// <summary>
/// The data of linear-network chains in sufficient statistics, each with a leading data-set dimension R: 1 (every chain
/// sees the same sample) or the number of chains (chain c sees sample c).
/// </summary>
/// <param name="X">Inputs [R, n, H₁] (n = 0 for a population loss).</param>
/// <param name="Y">Outputs [R, n, H_{L+1}].</param>
/// <param name="Sxx">Σ x xᵀ, [R, H₁, H₁].</param>
/// <param name="Sxy">Σ x yᵀ, [R, H₁, H_{L+1}].</param>
/// <param name="Syy">Σ ‖y‖², [R].</param>
/// <param name="HasPoints">False for a population loss (no per-point losses, no mini-batches).</param>
internal sealed record DeepLinearNetworkStatistics(Tensor X, Tensor Y, Tensor Sxx, Tensor Sxy, Tensor Syy, bool HasPoints);

/// <summary>
/// Chains of a deep linear network y = B_L ⋯ B_1 x (parameters B1 … BL with a leading chain dimension):
/// L_n(w) = (1/2n)(S_yy − 2 tr(A S_xy) + tr(A S_xx Aᵀ)), A = B_L ⋯ B_1, with the closed-form full-batch gradient.
/// </summary>
internal sealed class DeepLinearNetworkGroup : ChainGroup
{
    private readonly Tensor[] _b;
    private readonly Tensor[] _optimum;
    private readonly DeepLinearNetworkStatistics _d;
    private readonly long _n;

    /// <param name="chains">Number of chains.</param>
    /// <param name="optimum">w* per layer: [out, in] (shared) or [chains, out, in] (one per chain).</param>
    /// <param name="statistics">The data, one data set or one per chain.</param>
    /// <param name="n">Sample size of each data set.</param>
    public DeepLinearNetworkGroup(int chains, IReadOnlyList<Tensor> optimum, DeepLinearNetworkStatistics statistics, long n) : base(chains)
    {
        long sets = statistics.Sxx.shape[0];
        if (sets != 1 && sets != chains)
            throw new ArgumentException($"{sets} data sets for {chains} chains: give one data set, or one per chain.", nameof(statistics));
        _d = statistics;
        _n = n;
        _optimum = optimum.ToArray();
        _b = _optimum.Select(o => (o.dim() == 2 ? o.unsqueeze(0).repeat(chains, 1, 1) : o.clone()).requires_grad_()).ToArray();
    }

    public override bool HasChainDimension => true;
    public override IReadOnlyList<Tensor> Parameters => _b;
    public override IReadOnlyList<Tensor> Optimum => _optimum;

    private bool OneDataSet => _d.Sxx.shape[0] == 1;

    private Tensor EndToEnd() => _b.Skip(1).Aggregate(_b[0], (a, b) => b.matmul(a));

    private Tensor FullBatchLoss(Tensor a)
    {
        var quadratic = (a.matmul(_d.Sxx) * a).sum([1, 2]);
        var linear = (a * _d.Sxy.transpose(1, 2)).sum([1, 2]);
        return (quadratic - linear * Scalars.Of(2.0)).Plus(_d.Syy) / Scalars.Of(2.0 * _n);
    }

    public override Tensor Loss(Tensor? batch)
    {
        var a = EndToEnd();
        if (batch is null) return FullBatchLoss(a);
        if (!_d.HasPoints) throw new InvalidOperationException("A population loss has no data points to draw mini-batches from.");
        if (!OneDataSet) throw new InvalidOperationException("Chains on separate samples run full batch only.");
        var x = _d.X[0].index(batch);
        var y = _d.Y[0].index(batch);
        var residual = y.t().unsqueeze(0) - a.matmul(x.t());
        return residual.Squared().sum([1, 2]) / Scalars.Of(2.0 * batch.shape[0]);
    }

    // ℓ_i(w) = ½‖y_i − A x_i‖² on the first points (the Gaussian negative log-likelihood without its constant).
    public override Tensor? PointwiseLoss()
    {
        if (!_d.HasPoints) return null;
        long m = Math.Min(_d.X.shape[1], DeepLinearNetworkTarget.PointwiseSubset);
        var x = _d.X.narrow(1, 0, m);
        var y = _d.Y.narrow(1, 0, m);
        var residual = y.transpose(1, 2) - EndToEnd().detach().matmul(x.transpose(1, 2));
        return residual.Squared().sum(1) * Scalars.Of(0.5);
    }

    // Full batch in closed form: ∂L/∂A = (A S_xx − S_xyᵀ)/n, ∂L/∂B_j = (B_L⋯B_{j+1})ᵀ ∂L/∂A (B_{j−1}⋯B_1)ᵀ.
    public override (Tensor Loss, Tensor[] Gradients)? LossAndGradient(Tensor? batch)
    {
        if (batch is not null) return null;
        var b = _b.Select(t => t.detach()).ToArray();
        int layers = b.Length;
        var prefix = new Tensor[layers]; // prefix[j] = B_j ⋯ B_1
        prefix[0] = b[0];
        for (int j = 1; j < layers; j++) prefix[j] = b[j].matmul(prefix[j - 1]);
        var a = prefix[^1];
        var asxx = a.matmul(_d.Sxx);
        var loss = ((asxx * a).sum([1, 2]) - (a * _d.Sxy.transpose(1, 2)).sum([1, 2]) * Scalars.Of(2.0)).Plus(_d.Syy) / Scalars.Of(2.0 * _n);
        var gradA = (asxx - _d.Sxy.transpose(1, 2)) / Scalars.Of((double)_n);
        var grads = new Tensor[layers];
        var left = gradA; // (B_L ⋯ B_{j+1})ᵀ ∂L/∂A, built from the top
        for (int j = layers - 1; j >= 0; j--)
        {
            grads[j] = j == 0 ? left : left.matmul(prefix[j - 1].transpose(1, 2));
            if (j > 0) left = b[j].transpose(1, 2).matmul(left);
        }
        return (loss, grads);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) foreach (var b in _b) b.Dispose();
    }
}
