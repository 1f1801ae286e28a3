using System.Diagnostics;
using Microsoft.Data.Analysis;
using Slt.Model;
using Slt.Presentation;
using Trace = Slt.Presentation.Trace;
using static TorchSharp.torch;

namespace Slt.Contexts;

/// <summary>
/// One named block of weights (a parameter, or the part of the token or position table a context does or does not
/// reach) and its columns in the Jacobian of the context increment: a block whose columns are all zero is a fibre
/// direction (moving it does not move M_C).
/// </summary>
/// <param name="Name">The parameter name, with a row subset for the embedding tables, e.g.
/// <c>token_embedding.weight[tokens in C]</c>.</param>
/// <param name="Columns">Weights in the block.</param>
/// <param name="NonzeroColumns">Columns of the Jacobian that are not exactly zero.</param>
/// <param name="Norm">Frobenius norm of the block's columns.</param>
/// <param name="Rank">Numerical rank of the block's columns alone (same tolerance as the whole).</param>
public sealed record JacobianBlock(string Name, long Columns, long NonzeroColumns, double Norm, int Rank)
{
    /// <summary>True when the block's columns are exactly zero: a fibre direction of the increment.</summary>
    public bool IsFibre => NonzeroColumns == 0;
}

/// <summary>
/// The degeneracy of the exact linear-attention map F_C at a weight w: the Jacobian J = ∂M_C/∂w of the context increment
/// (<see cref="LinearContextMap.Increment"/>, L·d² outputs) by autograd in float64, its singular values, its numerical
/// rank, and its columns per named weight block.
/// </summary>
/// <remarks>
/// <para>Numerical rank: the number of singular values above τ = σ₁ · max(L d², dim W) · ε (ε = 2⁻⁵², NumPy's
/// <c>matrix_rank</c> rule) unless a relative tolerance is given (τ = σ₁ · tolerance).</para>
/// <para>Generic rank (one layer): M_C = Σ_h A_h Σ_C B_h with A_h = W_Oʰ W_Vʰ and B_h = W_Kʰᵀ W_Qʰ of rank ≤ d_h and
/// Σ_C of rank min(m, d), so each head's term has rank ≤ ρ = min(m, d_h) and, as the weights vary, is any matrix of that
/// rank; the image of w ↦ M_C(w) is the determinantal variety of d × d matrices of rank ≤ R = min(H ρ, d), of dimension
/// R (2d − R), and at a generic w the differential is onto its tangent space. So rank J = R (2d − R) at generic w:
/// below d² (a degenerate increment) exactly when H·min(m, d_h) &lt; d.</para>
/// <para>What it means for dF_C: F_C(w) = (P ↦ S P shifted positions, D_ℓ ↦ D_ℓ + M_C^ℓ(w), all else unchanged), so in
/// blocks dF_C = [[S, 0, 0], [∂M/∂P, I, ∂M/∂rest], [0, 0, I]] and rank dF_C = dim W − m d: its kernel is m d-dimensional,
/// the position rows 0..m−1 the daughter loses, each moved together with the change of D that cancels its effect on
/// M_C (<see cref="MapRank"/>). The increment's own degeneracy (dim W − rank J directions, among them every block with
/// zero columns) is the part the context does not use.</para>
/// </remarks>
/// <param name="ContextLength">m = |C|.</param>
/// <param name="Layers">L.</param>
/// <param name="ModelDimension">d.</param>
/// <param name="Heads">H.</param>
/// <param name="ParameterCount">dim W, every weight of the model.</param>
/// <param name="OutputDimension">L d², the entries of the increments.</param>
/// <param name="Rank">Numerical rank of J.</param>
/// <param name="GenericRank">R (2d − R) for one layer (see remarks); null for deeper models.</param>
/// <param name="IncrementRank">Numerical ranks of the matrices M_C^ℓ themselves (R at generic w).</param>
/// <param name="Tolerance">τ.</param>
/// <param name="SingularValues">All singular values of J, largest first.</param>
/// <param name="NonzeroColumns">Columns of J that are not exactly zero (the weights C reaches).</param>
/// <param name="Blocks">Per named block.</param>
/// <param name="Seconds">Wall-clock time of the measurement.</param>
public sealed record ContextMapDegeneracy(
    int ContextLength, int Layers, int ModelDimension, int Heads, long ParameterCount, int OutputDimension,
    int Rank, int? GenericRank, int[] IncrementRank, double Tolerance, double[] SingularValues, long NonzeroColumns,
    IReadOnlyList<JacobianBlock> Blocks, double Seconds)
{
    /// <summary>rank dF_C = dim W − m d (see remarks).</summary>
    public long MapRank => ParameterCount - (long)ContextLength * ModelDimension;

    /// <summary>dim W − rank J: the directions of w along which the increment M_C does not move (to first order).</summary>
    public long IncrementKernel => ParameterCount - Rank;

    /// <summary>σ_rank / σ_{rank+1}, the gap at the numerical rank (infinite when no singular value falls below τ or the next is 0).</summary>
    public double Gap => Rank == 0 ? double.NaN
        : Rank >= SingularValues.Length || SingularValues[Rank] == 0 ? double.PositiveInfinity
        : SingularValues[Rank - 1] / SingularValues[Rank];

    /// <summary>The smallest singular value above τ.</summary>
    public double SmallestNonzeroSingularValue => Rank == 0 ? double.NaN : SingularValues[Rank - 1];

    /// <summary>The largest singular value below τ (0 when none is).</summary>
    public double LargestNullSingularValue => Rank < SingularValues.Length ? SingularValues[Rank] : 0.0;

    /// <summary>One row per block: name, columns, nonzero columns, norm, rank, fibre.</summary>
    public DataFrame BlockTable() => new(
        new StringDataFrameColumn("block", Blocks.Select(b => b.Name)),
        new PrimitiveDataFrameColumn<long>("columns", Blocks.Select(b => b.Columns)),
        new PrimitiveDataFrameColumn<long>("nonzero_columns", Blocks.Select(b => b.NonzeroColumns)),
        new DoubleDataFrameColumn("norm", Blocks.Select(b => b.Norm)),
        new PrimitiveDataFrameColumn<int>("rank", Blocks.Select(b => b.Rank)),
        new BooleanDataFrameColumn("fibre", Blocks.Select(b => b.IsFibre)));

    /// <summary>One row per measurement: m, rank J against its generic value, L d² and dim W, rank dF_C, the spectrum's ends.</summary>
    public static DataFrame Table(IEnumerable<ContextMapDegeneracy> measurements)
    {
        var ms = measurements.ToList();
        return new DataFrame(
            new PrimitiveDataFrameColumn<int>("m", ms.Select(r => r.ContextLength)),
            new PrimitiveDataFrameColumn<int>("rank", ms.Select(r => r.Rank)),
            new PrimitiveDataFrameColumn<int>("generic_rank", ms.Select(r => r.GenericRank)),
            new PrimitiveDataFrameColumn<int>("output_dimension", ms.Select(r => r.OutputDimension)),
            new PrimitiveDataFrameColumn<long>("nonzero_columns", ms.Select(r => r.NonzeroColumns)),
            new PrimitiveDataFrameColumn<long>("parameters", ms.Select(r => r.ParameterCount)),
            new PrimitiveDataFrameColumn<long>("map_rank", ms.Select(r => r.MapRank)),
            new DoubleDataFrameColumn("sigma_max", ms.Select(r => r.SingularValues.Length > 0 ? r.SingularValues[0] : 0.0)),
            new DoubleDataFrameColumn("sigma_min_nonzero", ms.Select(r => r.SmallestNonzeroSingularValue)),
            new DoubleDataFrameColumn("sigma_max_null", ms.Select(r => r.LargestNullSingularValue)),
            new DoubleDataFrameColumn("tolerance", ms.Select(r => r.Tolerance)));
    }

    /// <summary>The singular values of J (log scale) with the tolerance τ dashed; one line per measurement.</summary>
    public static Figure SingularValueFigure(IEnumerable<ContextMapDegeneracy> measurements)
    {
        var traces = new List<Trace>();
        double tau = 0;
        foreach (var r in measurements)
        {
            // Exact zeros cannot be drawn on a log axis: they are shown at τ / 100.
            var y = r.SingularValues.Select(s => Math.Max(s, r.Tolerance / 100)).ToArray();
            traces.Add(new LineTrace($"m = {r.ContextLength} (rank {r.Rank})", Enumerable.Range(1, y.Length).Select(i => (double)i).ToArray(), y));
            tau = Math.Max(tau, r.Tolerance);
        }
        int n = traces.Count == 0 ? 1 : traces.Max(t => ((LineTrace)t).X.Length);
        traces.Add(new LineTrace("tolerance τ", [1, n], [tau, tau], Dashed: true));
        return new Figure("Singular values of ∂M_C/∂w", traces, new Axis("index"), new Axis("singular value", Log: true));
    }

    /// <summary>R (2d − R) with R = min(H min(m, d_h), d): the rank of ∂M_C/∂w at generic weights of a one-layer model
    /// (see remarks); null for deeper models.</summary>
    public static int? GenericRankOf(TransformerConfig config, int contextLength)
    {
        if (config.Layers != 1) return null;
        int d = config.ModelDimension;
        int r = Math.Min(config.Heads * Math.Min(contextLength, config.HeadDimension), d);
        return r * (2 * d - r);
    }

    /// <summary>
    /// Measures the Jacobian of M_C at the weights of <paramref name="mother"/> (copied to float64; the mother is not
    /// changed). <paramref name="relativeTolerance"/>: τ / σ₁ (default max(L d², dim W) · ε).
    /// </summary>
    public static ContextMapDegeneracy Measure(Transformer mother, IReadOnlyList<int> context, double? relativeTolerance = null)
    {
        ArgumentNullException.ThrowIfNull(mother);
        if (relativeTolerance is { } rt && !(rt > 0 && rt < 1))
            throw new ArgumentOutOfRangeException(nameof(relativeTolerance), rt, "relativeTolerance must be in (0, 1).");
        var clock = Stopwatch.StartNew();
        var map = new LinearContextMap(mother.Config, context);
        var config = mother.Config;
        using var model = LinearContextMap.Float64Copy(mother);
        var named = model.named_parameters().Select(p => (p.name, Tensor: (Tensor)p.parameter)).ToArray();
        var parameters = named.Select(p => p.Tensor).ToArray();
        long parameterCount = parameters.Sum(p => p.numel());

        using var scope = NewDisposeScope();
        var increment = map.Increment(named.ToDictionary(p => p.name, p => p.Tensor));
        var incrementRanks = Enumerable.Range(0, config.Layers).Select(l => NumericalRank(increment[l], null)).ToArray();
        var y = increment.reshape(-1);
        int rows = (int)y.shape[0];

        // Row k of J is ∂y_k/∂w: one backward pass per output entry. A parameter the increment never reads gets no
        // gradient at all (autograd's "unused"), i.e. exactly zero columns.
        bool[] used = new bool[parameters.Length];
        using (var probe = NewDisposeScope())
        {
            var g = autograd.grad([y.sum()], parameters, retain_graph: true, allow_unused: true);
            for (int i = 0; i < parameters.Length; i++) used[i] = g[i] is { IsInvalid: false };
        }
        var usedIndex = Enumerable.Range(0, parameters.Length).Where(i => used[i]).ToArray();
        var usedParameters = usedIndex.Select(i => parameters[i]).ToArray();
        long usedColumns = usedParameters.Sum(p => p.numel());
        var jacobian = zeros(rows, usedColumns, dtype: ScalarType.Float64);
        for (int k = 0; k < rows; k++)
        {
            using var inner = NewDisposeScope();
            var g = autograd.grad([y[k]], usedParameters, retain_graph: true, allow_unused: true);
            var row = cat(g.Select((t, i) => t is { IsInvalid: false } ? t.reshape(-1) : zeros(usedParameters[i].numel(), dtype: ScalarType.Float64)).ToArray());
            jacobian[k].copy_(row);
        }

        var columnNorms = jacobian.square().sum(dim: 0);
        var nonzero = columnNorms.gt(Slt.Platform.Scalars.Of(0.0)).nonzero().reshape(-1);
        long nonzeroColumns = nonzero.shape[0];
        double[] singular = nonzeroColumns == 0 ? new double[rows]
            : linalg.svdvals(jacobian.index_select(1, nonzero)).data<double>().ToArray();
        if (singular.Length < rows) singular = [.. singular, .. new double[rows - singular.Length]];
        double sigmaMax = singular.Length > 0 ? singular[0] : 0.0;
        double tolerance = sigmaMax * (relativeTolerance ?? Math.Max(rows, parameterCount) * Math.Pow(2, -52));
        int rank = singular.Count(s => s > tolerance);

        // Per block: the columns of each parameter, the embedding tables split into the rows C reaches and the rest.
        var blocks = new List<JacobianBlock>();
        var contextTokens = new SortedSet<int>(context);
        int d = config.ModelDimension;
        long offset = 0;
        for (int i = 0; i < parameters.Length; i++)
        {
            var (name, p) = named[i];
            if (!used[i])
            {
                if (name == "token_embedding.weight" || name == "position_embedding.weight")
                    throw new InvalidOperationException($"The increment does not read {name}; the map is wrong.");
                blocks.Add(new JacobianBlock(name, p.numel(), 0, 0.0, 0));
                continue;
            }
            long n = p.numel();
            var columns = jacobian.narrow(1, offset, n);
            offset += n;
            if (name == "token_embedding.weight")
            {
                var inC = Enumerable.Range(0, config.VocabularySize).Where(contextTokens.Contains).ToArray();
                var notInC = Enumerable.Range(0, config.VocabularySize).Where(t => !contextTokens.Contains(t)).ToArray();
                blocks.Add(Block($"{name}[{inC.Length} tokens in C]", RowColumns(columns, inC, d), tolerance));
                blocks.Add(Block($"{name}[{notInC.Length} tokens not in C]", RowColumns(columns, notInC, d), tolerance));
            }
            else if (name == "position_embedding.weight")
            {
                blocks.Add(Block($"{name}[positions 0..{context.Count - 1}]", columns.narrow(1, 0, (long)context.Count * d), tolerance));
                blocks.Add(Block($"{name}[positions {context.Count}..{config.ContextLength - 1}]",
                    columns.narrow(1, (long)context.Count * d, (long)(config.ContextLength - context.Count) * d), tolerance));
            }
            else blocks.Add(Block(name, columns, tolerance));
        }
        return new ContextMapDegeneracy(context.Count, config.Layers, d, config.Heads, parameterCount, rows, rank,
            GenericRankOf(config, context.Count), incrementRanks, tolerance, singular, nonzeroColumns, blocks, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Numerical rank of a matrix: singular values above σ₁ max(rows, columns) ε, or above <paramref name="tolerance"/>.</summary>
    public static int NumericalRank(Tensor matrix, double? tolerance)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var s = linalg.svdvals(matrix.detach().to_type(ScalarType.Float64)).data<double>().ToArray();
        if (s.Length == 0) return 0;
        double tau = tolerance ?? s[0] * Math.Max(matrix.shape[0], matrix.shape[1]) * Math.Pow(2, -52);
        return s.Count(v => v > tau);
    }

    private static Tensor RowColumns(Tensor columns, int[] rows, int d)
    {
        var index = rows.SelectMany(r => Enumerable.Range(r * d, d)).Select(i => (long)i).ToArray();
        return columns.index_select(1, tensor(index, dtype: ScalarType.Int64));
    }

    private static JacobianBlock Block(string name, Tensor columns, double tolerance)
    {
        using var scope = NewDisposeScope();
        long n = columns.shape[1];
        if (n == 0) return new JacobianBlock(name, 0, 0, 0.0, 0);
        var norms = columns.square().sum(dim: 0);
        long nonzero = norms.count_nonzero().to_type(ScalarType.Int64).item<long>();
        double norm = Math.Sqrt(norms.sum().item<double>());
        int rank = nonzero == 0 ? 0 : NumericalRank(columns, tolerance);
        return new JacobianBlock(name, n, nonzero, norm, rank);
    }
}
