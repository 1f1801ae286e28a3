using Slt.Estimators;
using Slt.Platform;
using Slt.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Tests.Additivity;

/// <summary>
/// Row-restricted sampling (<see cref="SgldSettings.SampledRows"/>): rows outside the mask never move, bit for bit,
/// under plain SGLD, pSGLD, a prior box with a start in it, and MALA checks; and on a separable homogeneous potential
/// K(W) = Σ_r c_r Σ_j (W_rj − W*_rj)^{d_r} (no box, γ = 0), whose exact E[nβK] over the sampled coordinates is
/// Σ_{sampled rows} C/d_r, the row-restricted λ̂ matches the restricted value, not the whole tensor's.
/// </summary>
public sealed class RowRestrictionTests
{
    private const int Rows = 4, Columns = 3;
    private static readonly int[] Degrees = [2, 4, 2, 4];
    private const double Coefficient = 0.1;

    /// <summary>Chains as a leading dimension of one matrix parameter "W" [chains, 4, 3] and a vector "b" [chains, 4]
    /// (K adds Σ c (b − b*)²); counts loss evaluations at which a held entry differs from w*.</summary>
    private sealed class MatrixPotential(int[]? heldRowsOfW = null) : ITemperedTarget
    {
        public int[]? HeldRowsOfW { get; } = heldRowsOfW;
        public Tensor OptimumW { get; } = arange(Rows * Columns, dtype: float64).reshape(Rows, Columns).mul(Scalars.Of(0.37)).sin().DetachFromDisposeScope();
        public Tensor OptimumB { get; } = arange(Rows, dtype: float64).mul(Scalars.Of(0.5)).cos().DetachFromDisposeScope();
        public int Violations;
        public int Checks;
        public long SampleSize => 1000;
        public IReadOnlyList<string> ParameterNames => ["W", "b"];
        public int MaxChainsPerGroup => 256;
        public long DataSize => 0;
        public ChainGroup CreateGroup(int chains) => new Group(this, chains);

        private sealed class Group : ChainGroup
        {
            private readonly MatrixPotential _t;
            private readonly Tensor[] _p;
            public Group(MatrixPotential t, int chains) : base(chains)
            {
                _t = t;
                _p = [t.OptimumW.expand(chains, Rows, Columns).clone().requires_grad_(), t.OptimumB.expand(chains, Rows).clone().requires_grad_()];
            }
            public override bool HasChainDimension => true;
            public override IReadOnlyList<Tensor> Parameters => _p;
            public override IReadOnlyList<Tensor> Optimum => [_t.OptimumW, _t.OptimumB];
            public override Tensor Loss(Tensor? batch)
            {
                if (_t.HeldRowsOfW is { } held)
                    using (no_grad())
                        foreach (int r in held)
                        {
                            _t.Checks++;
                            if (!Same(_p[0].select(1, r), _t.OptimumW[r].expand(Chains, Columns))) _t.Violations++;
                        }
                var d = _p[0] - _t.OptimumW;
                Tensor k = zeros(Chains, dtype: float64);
                for (int r = 0; r < Rows; r++)
                    k = k + d.select(1, r).pow(Degrees[r]).sum(1).mul(Scalars.Of(Coefficient));
                return k + (_p[1] - _t.OptimumB).square().sum(1).mul(Scalars.Of(Coefficient));
            }
        }
    }

    /// <summary>Bit-for-bit equality.</summary>
    private static bool Same(Tensor a, Tensor b) => a.eq(b).all().item<bool>();

    private static SgldSettings Settings(IReadOnlyDictionary<string, IReadOnlyList<int>> rows, long seed) => new()
    {
        StepSize = 1e-3, NBeta = 100, Localization = 0, Chains = 128, BurnIn = 1000, Draws = 200, StepsBetweenDraws = 10,
        SampledParameters = ["W"], SampledRows = rows, Seed = seed,
    };

    [Theory]
    [InlineData(new[] { 1, 2 }, 11)]
    [InlineData(new[] { 0 }, 12)]
    [InlineData(new[] { 3, 1, 0 }, 13)]
    public void TheRowRestrictedEstimateIsTheExactValueOfTheSampledRows(int[] rows, long seed)
    {
        TorchRuntime.Initialize(1);
        using var scope = NewDisposeScope();
        var target = new MatrixPotential();
        var result = LocalLearningCoefficient.Estimate(target, Settings(new Dictionary<string, IReadOnlyList<int>> { ["W"] = rows }, seed));
        double exact = rows.Sum(r => Columns / (double)Degrees[r]);
        double whole = Enumerable.Range(0, Rows).Sum(r => Columns / (double)Degrees[r]);
        Assert.Equal(rows.Length * Columns, result.Run.SampledDimension);
        Assert.NotNull(result.Mean);
        // Discretization bias at εh ≈ 0.02 is about 0.5%; allow 2% plus 4 standard errors.
        double tolerance = 4 * result.StandardError!.Value + 0.02 * exact;
        Assert.True(Math.Abs(result.Mean!.Value - exact) <= tolerance,
            $"rows {string.Join(",", rows)}: λ̂ = {result.Mean:F4} ± {result.StandardError:F4}, exact {exact:F4} (whole tensor {whole:F2}).");
        Assert.True(Math.Abs(whole - exact) > 5 * tolerance, "The test must tell the restricted value from the whole tensor's.");
    }

    [Theory]
    [InlineData(false, false, 21)]
    [InlineData(true, false, 22)]
    [InlineData(false, true, 23)]
    [InlineData(true, true, 24)]
    public void HeldRowsNeverMove(bool preconditioned, bool box, long seed)
    {
        TorchRuntime.Initialize(1);
        using var scope = NewDisposeScope();
        int[] sampled = [0, 2];
        var target = new MatrixPotential(heldRowsOfW: [1, 3]);
        var s = Settings(new Dictionary<string, IReadOnlyList<int>> { ["W"] = sampled }, seed) with
        {
            Chains = 8, BurnIn = 100, Draws = 20, StepsBetweenDraws = 5, MalaEvery = 3,
            RmsPropDecay = preconditioned ? 0.9 : null,
            Box = box ? PriorBox.Symmetric(2) : null, Start = box ? ChainStart.PriorBox : ChainStart.Optimum,
            Localization = 1,
        };
        var run = Sgld.Run(target, s);
        Assert.True(target.Checks > 100);
        Assert.Equal(0, target.Violations);
        Assert.Equal(sampled.Length * Columns, run.SampledDimension);
        Assert.All(run.MalaAcceptance, a => Assert.InRange(a, 0.0, 1.0));
    }

    [Fact]
    public void AModuleTargetHoldsItsUnsampledRowsAndVectorEntries()
    {
        TorchRuntime.Initialize(1);
        using var scope = NewDisposeScope();
        var module = nn.Linear(3, 5).to(ScalarType.Float64);
        var x = randn(40, 3, dtype: float64, generator: new Generator(5));
        var y = randn(40, 5, dtype: float64, generator: new Generator(6));
        var w0 = module.weight!.detach().clone();
        var b0 = module.bias!.detach().clone();
        int checks = 0, violations = 0;
        using var target = ModuleTarget.PerPoint(module, 40, idx =>
        {
            using (no_grad())
            {
                checks++;
                if (!Same(module.weight!.index(TensorIndex.Slice(2, 5)), w0.index(TensorIndex.Slice(2, 5)))) violations++;
                if (!Same(module.bias![0], b0[0])) violations++;
            }
            return (module.forward(x.index(idx)) - y.index(idx)).square().sum(1);
        });
        var run = Sgld.Run(target, new SgldSettings
        {
            StepSize = 1e-4, Localization = 10, Chains = 2, BurnIn = 50, Draws = 20, StepsBetweenDraws = 2, BatchSize = 8, MalaEvery = 3,
            RmsPropDecay = 0.9,
            SampledRows = new Dictionary<string, IReadOnlyList<int>> { ["weight"] = [0, 1], ["bias"] = [1, 2, 3, 4] },
        });
        Assert.Equal(0, violations);
        Assert.True(checks > 100);
        Assert.Equal(2 * 3 + 4, run.SampledDimension);
        Assert.True(Same(module.weight!, w0) && Same(module.bias!, b0), "The module is restored to w* after the run.");
    }

    [Fact]
    public void BadRowsAreClearErrors()
    {
        TorchRuntime.Initialize(1);
        var target = new MatrixPotential();
        SgldSettings With(Dictionary<string, IReadOnlyList<int>> rows, IReadOnlyList<string>? sampled = null) =>
            new() { Chains = 2, BurnIn = 0, Draws = 4, NBeta = 10, SampledParameters = sampled, SampledRows = rows };
        var unknown = Assert.Throws<ArgumentException>(() => Sgld.Run(target, With(new() { ["V"] = [0] })));
        Assert.Contains("Unknown parameter name 'V' in SampledRows", unknown.Message);
        var unsampled = Assert.Throws<ArgumentException>(() => Sgld.Run(target, With(new() { ["b"] = [0] }, ["W"])));
        Assert.Contains("not among SampledParameters", unsampled.Message);
        var empty = Assert.Throws<ArgumentException>(() => Sgld.Run(target, With(new() { ["W"] = [] })));
        Assert.Contains("is empty", empty.Message);
        var twice = Assert.Throws<ArgumentException>(() => Sgld.Run(target, With(new() { ["W"] = [1, 1] })));
        Assert.Contains("row 1 twice", twice.Message);
        var outside = Assert.Throws<ArgumentOutOfRangeException>(() => Sgld.Run(target, With(new() { ["W"] = [4] })));
        Assert.Contains("outside [0, 4)", outside.Message);
        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => Sgld.Run(target, With(new() { ["b"] = [-1] })));
        Assert.Contains("row -1", negative.Message);
    }
}
