using Slt.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Sampling;

/// <summary>Something that watches a chain group's steps (before each move) and contributes to the run's result.</summary>
internal interface IChainObserver
{
    void Observe(LangevinStep step);
}

/// <summary>
/// The recorded losses: per draw, L_n(w) on the evaluation set, or L_n(w*) plus the mean mini-batch excess of the steps
/// since the previous draw (<see cref="DrawLoss"/>); and the mean of L_n(w) over the post-burn-in steps.
/// </summary>
internal sealed class DrawRecorder : IChainObserver
{
    private readonly SamplerContext _c;
    private readonly Tensor _draws, _lossSum, _blockSum, _baseline;
    private readonly bool _fullBatch, _excess;
    private readonly Scalar _perBlock;
    private long _steps;

    public DrawRecorder(SamplerContext context, Tensor baseline)
    {
        _c = context;
        var s = context.Settings;
        int chains = context.Group.Chains;
        _fullBatch = s.BatchSize is null;
        _excess = s.DrawLoss == DrawLoss.MiniBatchExcess;
        _baseline = baseline;
        _draws = zeros(s.Draws, chains, dtype: float64, device: context.Device);
        _lossSum = zeros(chains, dtype: float64, device: context.Device);
        _blockSum = zeros(chains, dtype: float64, device: context.Device);
        _perBlock = Scalars.Of(1.0 / s.StepsBetweenDraws);
    }

    /// <summary>Raised at each recorded draw, after the draw is written (the functional variance samples there).</summary>
    public event Action<LangevinStep>? Drawn;

    public void Observe(LangevinStep step)
    {
        if (!step.AfterBurnIn) return;
        var s = _c.Settings;
        long k = step.Index - s.BurnIn;
        bool draw = (k + 1) % s.StepsBetweenDraws == 0;
        _steps++;
        if (_excess)
        {
            var e = step.Excess!.to_type(float64);
            _lossSum.PlusInPlace(e);
            _blockSum.PlusInPlace(e);
            if (draw)
            {
                _draws[k / s.StepsBetweenDraws].copy_((_blockSum * _perBlock).Plus(_baseline));
                _blockSum.zero_();
            }
        }
        else
        {
            if (_fullBatch) _lossSum.PlusInPlace(step.Loss.to_type(float64));
            if (draw)
            {
                var evaluation = (_fullBatch ? step.Loss : _c.Group.EvaluationLoss()).to_type(float64);
                _draws[k / s.StepsBetweenDraws].copy_(evaluation);
                if (!_fullBatch) _lossSum.PlusInPlace(evaluation);
            }
        }
        if (draw) Drawn?.Invoke(step);
    }

    /// <summary>Draws[c][k] per chain.</summary>
    public double[][] Draws()
    {
        var rows = _draws.t().contiguous();
        return Enumerable.Range(0, _c.Group.Chains).Select(c => rows[c].ToDoubles()).ToArray();
    }

    /// <summary>Mean L_n(w) per chain over every post-burn-in step (full batch or excess) or over the draws.</summary>
    public double[] MeanLoss()
    {
        if (_excess) return ((_lossSum / Scalars.Of((double)Math.Max(1, _steps))).Plus(_baseline)).ToDoubles();
        double denominator = _fullBatch ? _steps : _c.Settings.Draws;
        return (_lossSum / Scalars.Of(denominator)).ToDoubles();
    }
}

/// <summary>
/// The functional variance V_n = Σ_i Var_w[ℓ_i(w)] per chain, from the target's per-point losses at every draw
/// (<see cref="ChainGroup.PointwiseLoss"/>), scaled from its m points to all of the target's data points.
/// </summary>
internal sealed class FunctionalVarianceRecorder
{
    private readonly ChainGroup _group;
    private readonly Tensor _atOptimum, _sum, _squares;
    private readonly long _dataSize;
    private int _draws;

    private FunctionalVarianceRecorder(ChainGroup group, Tensor atOptimum, long dataSize)
    {
        _group = group;
        _atOptimum = atOptimum;
        _sum = zeros_like(atOptimum);
        _squares = zeros_like(atOptimum);
        _dataSize = dataSize;
    }

    /// <summary>A recorder when the target has per-point losses (evaluated now, at w*), else null.</summary>
    public static FunctionalVarianceRecorder? AtOptimum(ChainGroup group, long dataSize)
    {
        using var noGrad = no_grad();
        return group.PointwiseLoss()?.to_type(float64) is { } atOptimum ? new FunctionalVarianceRecorder(group, atOptimum, dataSize) : null;
    }

    public void Record()
    {
        var excess = _group.PointwiseLoss()!.to_type(float64) - _atOptimum;
        _sum.PlusInPlace(excess);
        _squares.addcmul_(excess, excess, value: Scalars.Of(1.0));
        _draws++;
    }

    /// <summary>The unbiased per-point variance over the draws, summed and scaled; null with fewer than two draws.</summary>
    public double[]? Result()
    {
        if (_draws < 2) return null;
        var variance = (_squares - _sum.Squared() / Scalars.Of((double)_draws)) / Scalars.Of(_draws - 1.0);
        double scale = (double)_dataSize / _atOptimum.shape[1];
        return (variance.clamp_min(Scalars.Of(0.0)).sum(1) * Scalars.Of(scale)).ToDoubles();
    }
}

/// <summary>The group's draw observables (<see cref="ChainGroup.DrawObservables"/>) at every draw, read back to the CPU
/// as they are taken: [chain][draw][observable].</summary>
internal sealed class DrawObservableRecorder(ChainGroup group, int draws)
{
    private readonly List<double[]> _rows = new(draws);
    private int _width = -1;

    public void Record()
    {
        var values = group.DrawObservables();
        if (values.dim() != 2 || values.shape[0] != group.Chains)
            throw new InvalidOperationException($"DrawObservables returned shape [{string.Join(", ", values.shape)}]; expected [{group.Chains}, m].");
        if (_width < 0) _width = (int)values.shape[1];
        else if (values.shape[1] != _width)
            throw new InvalidOperationException($"DrawObservables changed width from {_width} to {values.shape[1]} between draws.");
        _rows.Add(values.ToDoubles());
    }

    /// <summary>[chain][draw][observable].</summary>
    public double[][][] Result() =>
        Enumerable.Range(0, group.Chains).Select(c => _rows.Select(r => r.AsSpan(c * _width, _width).ToArray()).ToArray()).ToArray();
}

/// <summary>Steps done over all chain groups, reported about a hundred times per run; safe when groups run in parallel.</summary>
internal sealed class ProgressCounter(IProgress<SamplingProgress>? progress, long totalChainSteps)
{
    private readonly object _gate = new();
    private readonly long _reportEvery = Math.Max(1, totalChainSteps / 100);
    private long _done, _lastReported;

    public void Add(long chainSteps, bool burnIn)
    {
        if (progress is null) return;
        lock (_gate)
        {
            _done += chainSteps;
            if (_done - _lastReported < _reportEvery && _done < totalChainSteps) return;
            _lastReported = _done;
            progress.Report(new SamplingProgress(_done, totalChainSteps, burnIn ? "burn-in" : "sampling"));
        }
    }
}

internal static class TensorReadout
{
    /// <summary>The values as doubles on the CPU.</summary>
    public static double[] ToDoubles(this Tensor t) => t.detach().to_type(float64).cpu().contiguous().data<double>().ToArray();
}
