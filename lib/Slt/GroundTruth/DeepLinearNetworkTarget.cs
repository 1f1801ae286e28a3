using Slt.Platform;
using Slt.Sampling;
using static TorchSharp.torch;

namespace Slt.GroundTruth;

/// <summary>Where the loss of a deep linear network comes from.</summary>
public enum LossSource
{
    /// <summary>An i.i.d. sample of size n: L_n (the estimator's setting; includes the sample's fluctuation).</summary>
    Sample,
    /// <summary>The expectation over the truth: L(w) = ½‖A(w) − A₀‖²_F + const (no sampling noise).</summary>
    Population,
}

/// <summary>
/// A deep linear network y = B_L ⋯ B_1 x (widths H₁ = input, …, H_{L+1} = output) on data x ∼ N(0, I), y = A₀x + ξ,
/// ξ ∼ N(0, I), with a teacher A₀ of rank r, as a sampling target. Parameters B1 … BL, many chains batched.
/// </summary>
/// <remarks>
/// The loss (Gaussian negative log-likelihood without its constant) is
/// L_n(w) = (1/2n) Σ_i ‖y_i − A x_i‖² = (1/2n)(tr S_yy − 2 tr(A S_xy) + tr(A S_xx Aᵀ)), A = B_L ⋯ B_1,
/// with S_xx = Σ x xᵀ, S_xy = Σ x yᵀ, S_yy = Σ y yᵀ: a full-batch gradient on n = 100000 points costs O(H²), not O(n).
/// w* is the teacher, factorised through the first r hidden units (the origin when r = 0), a true parameter; for the
/// regular model (two widths) it can instead be the least-squares estimate B̂ = S_xyᵀ S_xx⁻¹ fitted to the same sample
/// (<see cref="OptimumKind.FittedToSample"/>), the situation of a trained network.
/// </remarks>
public sealed class DeepLinearNetworkTarget : ITemperedTarget, IDisposable
{
    private readonly Tensor _x, _y, _sxx, _sxy;
    private readonly double _syy;
    private readonly Tensor[] _optimum;

    /// <summary>Creates the data and the teacher.</summary>
    /// <param name="widths">H₁ (input), …, H_{L+1} (output); two widths give the regular model y = Bx (λ = d/2).</param>
    /// <param name="rank">Rank r of the teacher, 0 ≤ r ≤ min H.</param>
    /// <param name="n">Sample size.</param>
    /// <param name="seed">Seed of the teacher and the data.</param>
    /// <param name="source">Sample (default) or population loss.</param>
    /// <param name="optimum">w*: the teacher (default, a true parameter) or, for two widths and a sample, the least-squares
    /// fit to the sample.</param>
    public DeepLinearNetworkTarget(IReadOnlyList<int> widths, int rank, long n, long seed = 0, LossSource source = LossSource.Sample,
        OptimumKind optimum = OptimumKind.TrueParameter)
    {
        ArgumentNullException.ThrowIfNull(widths);
        if (widths.Count < 2) throw new ArgumentException($"A linear network needs at least an input and an output width; got {widths.Count}.", nameof(widths));
        if (widths.Any(h => h <= 0)) throw new ArgumentOutOfRangeException(nameof(widths), string.Join(",", widths), "Widths must be positive.");
        if (rank < 0 || rank > widths.Min()) throw new ArgumentOutOfRangeException(nameof(rank), rank, $"rank must lie in 0..{widths.Min()}.");
        if (n < 3 || n > 50_000_000) throw new ArgumentOutOfRangeException(nameof(n), n, "n must lie in 3..5e7.");
        if (optimum == OptimumKind.FittedToSample && (widths.Count != 2 || source != LossSource.Sample))
            throw new ArgumentException($"w* fitted to the sample is available for the regular model (two widths) on a sample; got {widths.Count} widths and a {source} loss.", nameof(optimum));
        if (optimum == OptimumKind.FittedToSample && n <= widths[0])
            throw new ArgumentOutOfRangeException(nameof(n), n, $"The least-squares fit needs n > the input width {widths[0]}.");
        OptimumKind = optimum;
        Widths = widths.ToArray();
        Rank = rank;
        SampleSize = n;
        Source = source;
        var gen = new Generator((ulong)seed + 12345UL);
        int inputs = widths[0], outputs = widths[^1];
        // Teacher A₀ = U Vᵀ with Gaussian factors, split over the layers through the first r hidden units.
        var u = randn(outputs, rank, dtype: float64, generator: gen);
        var v = randn(inputs, rank, dtype: float64, generator: gen) / Math.Sqrt(inputs);
        _optimum = new Tensor[widths.Count - 1];
        for (int j = 0; j < _optimum.Length; j++)
        {
            var b = zeros(widths[j + 1], widths[j], dtype: float64);
            if (rank > 0)
            {
                if (_optimum.Length == 1) b = u.matmul(v.t());
                else if (j == 0) b[TensorIndex.Slice(0, rank), TensorIndex.Colon] = v.t();
                else if (j == _optimum.Length - 1) b[TensorIndex.Colon, TensorIndex.Slice(0, rank)] = u;
                else b[TensorIndex.Slice(0, rank), TensorIndex.Slice(0, rank)] = eye(rank, dtype: float64);
            }
            _optimum[j] = b;
        }
        Teacher = _optimum.Skip(1).Aggregate(_optimum[0], (a, b) => b.matmul(a));
        if (source == LossSource.Sample)
        {
            _x = randn(n, inputs, dtype: float64, generator: gen);
            _y = _x.matmul(Teacher.t()) + randn(n, outputs, dtype: float64, generator: gen);
            _sxx = _x.t().matmul(_x);
            _sxy = _x.t().matmul(_y);
            _syy = _y.Squared().sum().item<double>();
            if (optimum == OptimumKind.FittedToSample) _optimum[0] = linalg.solve(_sxx, _sxy).t().contiguous(); // B̂ S_xx = S_xyᵀ
        }
        else
        {
            _x = empty(0, inputs, dtype: float64);
            _y = empty(0, outputs, dtype: float64);
            _sxx = eye(inputs, dtype: float64) * n;
            _sxy = Teacher.t() * n;
            _syy = n * (Teacher.Squared().sum().item<double>() + outputs);
        }
    }

    private DeepLinearNetworkTarget(DeepLinearNetworkTarget parent, Tensor rows)
    {
        Widths = parent.Widths;
        OptimumKind = parent.OptimumKind;
        Rank = parent.Rank;
        Source = LossSource.Sample;
        Teacher = parent.Teacher;
        _optimum = parent._optimum;
        _x = parent._x.index(rows);
        _y = parent._y.index(rows);
        SampleSize = _x.shape[0];
        if (SampleSize < 3) throw new ArgumentException($"The restriction keeps {SampleSize} data points; at least 3 are needed.", nameof(rows));
        _sxx = _x.t().matmul(_x);
        _sxy = _x.t().matmul(_y);
        _syy = _y.Squared().sum().item<double>();
    }

    /// <summary>H₁ (input), …, H_{L+1} (output).</summary>
    public IReadOnlyList<int> Widths { get; }

    /// <summary>Rank r of the teacher.</summary>
    public int Rank { get; }

    /// <summary>Sample or population loss.</summary>
    public LossSource Source { get; }

    /// <summary>The teacher (a true parameter) or the least-squares fit to the sample. A restriction keeps its parent's w*.</summary>
    public OptimumKind OptimumKind { get; }

    /// <summary>The teacher's end-to-end matrix A₀ (outputs × inputs).</summary>
    public Tensor Teacher { get; }

    /// <summary>Inputs x (n × H₁); empty for the population loss.</summary>
    public Tensor Inputs => _x;

    /// <summary>Most data points <see cref="ChainGroup.PointwiseLoss"/> evaluates (the first ones; the data are i.i.d.).</summary>
    public const int PointwiseSubset = 10_000;

    /// <summary>λ and m by Aoyagi's formula.</summary>
    public LearningCoefficient TrueCoefficient => DeepLinearNetworkCoefficient.Compute(Widths, Rank);

    public long SampleSize { get; }

    public IReadOnlyList<string> ParameterNames => Enumerable.Range(1, Widths.Count - 1).Select(j => $"B{j}").ToArray();

    public int MaxChainsPerGroup => 4096;

    public long DataSize => _x.shape[0];

    /// <summary>The same network on the data points selected by <paramref name="rows"/> (a boolean mask or indices over
    /// the n points): the target of a data-restricted LLC (the loss on a sub-distribution, Wang et al. 2024).</summary>
    public DeepLinearNetworkTarget RestrictTo(Tensor rows)
    {
        if (Source != LossSource.Sample) throw new InvalidOperationException("A population loss has no data points to restrict to.");
        if (rows.dtype == ScalarType.Bool) rows = rows.nonzero().squeeze(1);
        return new DeepLinearNetworkTarget(this, rows);
    }

    public ChainGroup CreateGroup(int chains) => new Group(this, chains);

    public void Dispose()
    {
        foreach (var t in _optimum.Append(_x).Append(_y).Append(_sxx).Append(_sxy).Append(Teacher)) t.Dispose();
    }

    private sealed class Group : ChainGroup
    {
        private readonly DeepLinearNetworkTarget _t;
        private readonly Tensor[] _b;

        public Group(DeepLinearNetworkTarget target, int chains) : base(chains)
        {
            _t = target;
            _b = target._optimum.Select(o => o.unsqueeze(0).repeat(chains, 1, 1).requires_grad_()).ToArray();
        }

        public override bool HasChainDimension => true;
        public override IReadOnlyList<Tensor> Parameters => _b;
        public override IReadOnlyList<Tensor> Optimum => _t._optimum;

        private Tensor EndToEnd() => _b.Skip(1).Aggregate(_b[0], (a, b) => b.matmul(a));

        public override Tensor Loss(Tensor? batch)
        {
            var a = EndToEnd();
            if (batch is null)
            {
                var linear = (a * _t._sxy.t()).sum([1, 2]);
                var quadratic = (a.matmul(_t._sxx) * a).sum([1, 2]);
                return (quadratic - linear * Scalars.Of(2.0)).Plus(_t._syy) / Scalars.Of(2.0 * _t.SampleSize);
            }
            var x = _t._x.index(batch);
            var y = _t._y.index(batch);
            var residual = y.t().unsqueeze(0) - a.matmul(x.t());
            return residual.Squared().sum([1, 2]) / Scalars.Of(2.0 * batch.shape[0]);
        }

        // ℓ_i(w) = ½‖y_i − A x_i‖² on the first points (the Gaussian negative log-likelihood without its constant).
        public override Tensor? PointwiseLoss()
        {
            if (_t.Source != LossSource.Sample) return null;
            long m = Math.Min(_t._x.shape[0], PointwiseSubset);
            var x = _t._x.narrow(0, 0, m);
            var y = _t._y.narrow(0, 0, m);
            var residual = y.t().unsqueeze(0) - EndToEnd().detach().matmul(x.t());
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
            var asxx = a.matmul(_t._sxx);
            var loss = ((asxx * a).sum([1, 2]) - (a * _t._sxy.t()).sum([1, 2]) * Scalars.Of(2.0)).Plus(_t._syy) / Scalars.Of(2.0 * _t.SampleSize);
            var gradA = (asxx - _t._sxy.t()) / Scalars.Of((double)_t.SampleSize);
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
}
