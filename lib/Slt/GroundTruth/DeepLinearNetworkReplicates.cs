using Slt.Sampling;
using static TorchSharp.torch;

namespace Slt.GroundTruth;

/// <summary>
/// One deep linear network on R independent samples at once: chain c samples the posterior of sample ⌊c/k⌋ (k chains per
/// sample), all R·k chains in one batched group. An estimate per sample is the mean over its k chains
/// (<see cref="PerSample"/>); the spread of those across samples is the spread across data sets. For studies of an
/// estimator's expectation over data (<see cref="SeedAveragedCorrection"/>): R separate runs would cost R times as much,
/// since a step's cost on these small matrices is almost independent of the number of chains. The chains of different
/// samples target different posteriors, so R̂ across all chains is not a convergence check here.
/// </summary>
public sealed class DeepLinearNetworkReplicates : ITemperedTarget, IDisposable
{
    private readonly DeepLinearNetworkTarget[] _samples;

    /// <summary>R samples of size n, one per seed, each with its own teacher draw (rank 0: the origin).</summary>
    /// <param name="widths">Widths, input first.</param>
    /// <param name="n">Sample size of each.</param>
    /// <param name="seeds">One seed per sample (at least 2).</param>
    /// <param name="chainsPerSample">k, chains on each sample.</param>
    /// <param name="optimum">w*: the teacher (the origin) or, for two widths, each sample's least-squares fit.</param>
    public DeepLinearNetworkReplicates(IReadOnlyList<int> widths, long n, IReadOnlyList<long> seeds, int chainsPerSample,
        OptimumKind optimum = OptimumKind.TrueParameter)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        if (seeds.Count < 2) throw new ArgumentException($"Replicates need at least 2 seeds; got {seeds.Count}.", nameof(seeds));
        if (chainsPerSample < 1) throw new ArgumentOutOfRangeException(nameof(chainsPerSample), chainsPerSample, "At least one chain per sample.");
        if (seeds.Count * (long)chainsPerSample > 4096)
            throw new ArgumentOutOfRangeException(nameof(chainsPerSample), chainsPerSample, $"{seeds.Count} samples × {chainsPerSample} chains exceed 4096 chains.");
        _samples = seeds.Select(s => new DeepLinearNetworkTarget(widths, 0, n, s, LossSource.Sample, optimum)).ToArray();
        ChainsPerSample = chainsPerSample;
        Seeds = seeds.ToArray();
    }

    /// <summary>The seeds, one sample each.</summary>
    public IReadOnlyList<long> Seeds { get; }

    /// <summary>k, chains per sample.</summary>
    public int ChainsPerSample { get; }

    /// <summary>R·k: the number of chains a run must have.</summary>
    public int Chains => Seeds.Count * ChainsPerSample;

    /// <summary>λ and m by Aoyagi's formula (rank 0).</summary>
    public LearningCoefficient TrueCoefficient => _samples[0].TrueCoefficient;

    public long SampleSize => _samples[0].SampleSize;

    public IReadOnlyList<string> ParameterNames => _samples[0].ParameterNames;

    public int MaxChainsPerGroup => Chains;

    public long DataSize => _samples[0].DataSize;

    public OptimumKind OptimumKind => _samples[0].OptimumKind;

    public ChainGroup CreateGroup(int chains)
    {
        if (chains != Chains)
            throw new ArgumentException($"{Seeds.Count} samples × {ChainsPerSample} chains need exactly {Chains} chains; got {chains}.", nameof(chains));
        var parts = _samples.Select(s => s.Statistics).ToArray();
        Tensor Stack(Func<DeepLinearNetworkStatistics, Tensor> field) =>
            cat(parts.Select(field).ToArray(), 0).repeat_interleave(ChainsPerSample, 0);
        var statistics = new DeepLinearNetworkStatistics(Stack(p => p.X), Stack(p => p.Y), Stack(p => p.Sxx), Stack(p => p.Sxy), Stack(p => p.Syy), true);
        var optimum = Enumerable.Range(0, ParameterNames.Count)
            .Select(j => stack(_samples.Select(s => s.OptimumLayers[j]).ToArray(), 0).repeat_interleave(ChainsPerSample, 0)).ToArray();
        return new DeepLinearNetworkGroup(chains, optimum, statistics, SampleSize);
    }

    /// <summary>The mean over each sample's chains of per-chain values (λ̂, V_n, …): one value per sample.</summary>
    public double[] PerSample(IReadOnlyList<double> perChain)
    {
        if (perChain.Count != Chains) throw new ArgumentException($"{perChain.Count} values for {Chains} chains.", nameof(perChain));
        return Enumerable.Range(0, Seeds.Count).Select(r => Enumerable.Range(r * ChainsPerSample, ChainsPerSample).Average(c => perChain[c])).ToArray();
    }

    public void Dispose()
    {
        foreach (var s in _samples) s.Dispose();
    }
}
