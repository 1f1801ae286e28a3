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
    /// <param name="device">Where the data, w* and the chains live; null (default): the CPU. The data are drawn on the CPU
    /// (same seed, same data on every device) and moved.</param>
    public DeepLinearNetworkTarget(IReadOnlyList<int> widths, int rank, long n, long seed = 0, LossSource source = LossSource.Sample,
        OptimumKind optimum = OptimumKind.TrueParameter, Device? device = null)
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
        if (device is not null && device.type != TorchSharp.DeviceType.CPU)
        {
            for (int j = 0; j < _optimum.Length; j++) _optimum[j] = _optimum[j].to(device);
            Teacher = Teacher.to(device);
            _x = _x.to(device);
            _y = _y.to(device);
            _sxx = _sxx.to(device);
            _sxy = _sxy.to(device);
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

    private DeepLinearNetworkTarget(DeepLinearNetworkTarget parent)
    {
        Widths = [parent.Widths[0], parent.Widths[^1]];
        OptimumKind = parent.OptimumKind;
        Rank = parent.Rank;
        Source = parent.Source;
        SampleSize = parent.SampleSize;
        Teacher = parent.Teacher.clone();
        _optimum = [parent.Teacher.clone()];
        _x = parent._x.alias();
        _y = parent._y.alias();
        _sxx = parent._sxx.clone();
        _sxy = parent._sxy.clone();
        _syy = parent._syy;
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

    /// <summary>
    /// The one-layer model y = Dx (widths H₁, H_{L+1}) on the same data, at w* = the end-to-end matrix A(w*) of this
    /// network's w*: the regular model this network is composed with, L_n(B₁, …, B_L) = L_n^{one layer}(B_L ⋯ B₁), so that
    /// K = K_{one layer} ∘ A. Its w* is a true parameter when this network's is (the teacher). Owns its own tensors; the
    /// data points are shared, read-only.
    /// </summary>
    /// <exception cref="InvalidOperationException">w* was fitted to the sample (a one-layer network already).</exception>
    public DeepLinearNetworkTarget EndToEnd()
    {
        if (OptimumKind != OptimumKind.TrueParameter)
            throw new InvalidOperationException("The end-to-end model is defined at the teacher (w* a true parameter); this network's w* was fitted to the sample.");
        return new DeepLinearNetworkTarget(this);
    }

    public ChainGroup CreateGroup(int chains) => new DeepLinearNetworkGroup(chains, _optimum, Statistics, SampleSize);

    /// <summary>The data as <see cref="DeepLinearNetworkGroup"/> reads it: one data set (leading dimension 1).</summary>
    internal DeepLinearNetworkStatistics Statistics => new(_x.unsqueeze(0), _y.unsqueeze(0), _sxx.unsqueeze(0), _sxy.unsqueeze(0),
        tensor(new[] { _syy }, dtype: float64, device: _sxx.device), Source == LossSource.Sample);

    /// <summary>w*, one tensor per layer (outputs × inputs of that layer).</summary>
    internal IReadOnlyList<Tensor> OptimumLayers => _optimum;

    public void Dispose()
    {
        foreach (var t in _optimum.Append(_x).Append(_y).Append(_sxx).Append(_sxy).Append(Teacher)) t.Dispose();
    }
}
