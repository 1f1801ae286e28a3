using Microsoft.Data.Analysis;
using Slt.Model;
using TorchSharp;
using Slt.Platform;
using Slt.Truth;
using static TorchSharp.torch;

namespace Slt.Contexts;

/// <summary>
/// In-context least squares by one linear-attention layer (von Oswald et al. 2023, arXiv 2212.07677): tokens
/// e_j = (x_j, y_j) ∈ ℝ^{a+b} for the examples and a query token (x_q, W₀ x_q), read out at the query's y-slot after the
/// layer, give exactly the prediction W₁ x_q of one gradient-descent step W₁ = W₀ − η ∇L(W₀) on
/// L(W) = ½ Σ_j ‖W x_j − y_j‖², i.e. W₁ = W₀ + η Σ_j (y_j − W₀ x_j) x_jᵀ. From W₀ = 0 the query token is (x_q, 0).
/// </summary>
/// <remarks>
/// <para>The layer is a <see cref="TransformerBlock"/> of the workbook's linear attention (one head of width a + b, no MLP,
/// no norm; the residual stream carries the query token), with W_Q = W_K = [I_a 0; 0 0] (so W_Kᵀ W_Q e = (x, 0) and the
/// score of example j at the query is x_jᵀ x_q), W_V = [0 0; −η W₀ η I_b] (value (0, η (y_j − W₀ x_j))), W_O = I and
/// context map D = 0. The query's y-slot leaves the layer as W₀ x_q + η Σ_j (y_j − W₀ x_j) x_jᵀ x_q = W₁ x_q; the query's
/// own term in the causal sum vanishes because its value is η (W₀ x_q − W₀ x_q) = 0.</para>
/// <para>Why the query carries W₀ x_q: with a query token (x_q, 0) the query's own term is cubic in x_q
/// (A e_q · e_qᵀ B e_q), which no choice of weights cancels while keeping the examples' terms −η W₀ x_j x_jᵀ x_q; a
/// query that already holds the current prediction has a zero value and no own term.</para>
/// <para>Contexts to weights: the examples are a context C, and the layer's increment
/// M_C = W_O W_V Σ_C W_Kᵀ W_Q (<see cref="LinearContextMap.IncrementOf"/>) is [0 0; ΔW 0] with ΔW = W₁ − W₀: the
/// daughter's context map holds the gradient step.</para>
/// </remarks>
public sealed class InContextRegression : IDisposable
{
    /// <summary>The construction for inputs x ∈ ℝ^a, outputs y ∈ ℝ^b, step size η and starting weights W₀ ([b, a], float64;
    /// null = 0). The layer is float64.</summary>
    public InContextRegression(int inputDimension, int outputDimension, double learningRate, Tensor? initialWeights = null)
    {
        if (inputDimension < 1) throw new ArgumentOutOfRangeException(nameof(inputDimension), inputDimension, "inputDimension must be at least 1.");
        if (outputDimension < 1) throw new ArgumentOutOfRangeException(nameof(outputDimension), outputDimension, "outputDimension must be at least 1.");
        if (!double.IsFinite(learningRate) || learningRate == 0)
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "learningRate must be finite and non-zero.");
        if (initialWeights is not null && (initialWeights.dim() != 2 || initialWeights.shape[0] != outputDimension || initialWeights.shape[1] != inputDimension))
            throw new ArgumentException($"initialWeights must be [{outputDimension}, {inputDimension}]; got [{string.Join(", ", initialWeights.shape)}].", nameof(initialWeights));
        int a = inputDimension, b = outputDimension, d = a + b;
        InputDimension = a;
        OutputDimension = b;
        LearningRate = learningRate;
        InitialWeights = initialWeights?.detach().to_type(ScalarType.Float64).clone() ?? zeros(b, a, dtype: ScalarType.Float64);
        Layer = new TransformerBlock(new TransformerConfig(VocabularySize: 2, ContextLength: 4096, ModelDimension: d, Layers: 1, Heads: 1,
            Mlp: false, LayerNorm: false, Attention: AttentionKind.Linear));
        Layer.to(ScalarType.Float64);
        Layer.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var head = Layer.Attention.Heads[0];
        var xProjection = zeros(d, d, dtype: ScalarType.Float64);
        xProjection.narrow(0, 0, a).narrow(1, 0, a).copy_(eye(a, dtype: ScalarType.Float64));
        head.Query.copy_(xProjection);
        head.Key.copy_(xProjection);
        var value = zeros(d, d, dtype: ScalarType.Float64);
        value.narrow(0, a, b).narrow(1, 0, a).copy_(InitialWeights.mul(Scalars.Of(-learningRate)));
        value.narrow(0, a, b).narrow(1, a, b).copy_(eye(b, dtype: ScalarType.Float64).mul(Scalars.Of(learningRate)));
        head.Value.copy_(value);
        head.Output.copy_(eye(d, dtype: ScalarType.Float64));
        Layer.Attention.ContextMap!.zero_();
    }

    /// <summary>a.</summary>
    public int InputDimension { get; }

    /// <summary>b.</summary>
    public int OutputDimension { get; }

    /// <summary>η.</summary>
    public double LearningRate { get; }

    /// <summary>W₀, [b, a].</summary>
    public Tensor InitialWeights { get; }

    /// <summary>The linear-attention layer with the constructed weights.</summary>
    public TransformerBlock Layer { get; }

    /// <summary>The token sequence [1, N + 1, a + b]: the examples (x_j, y_j), then the query (x_q, W₀ x_q).</summary>
    public Tensor Tokens(Tensor inputs, Tensor outputs, Tensor query)
    {
        Check(inputs, outputs, query);
        var x = inputs.to_type(ScalarType.Float64);
        var q = query.to_type(ScalarType.Float64).reshape(1, InputDimension);
        var examples = cat([x, outputs.to_type(ScalarType.Float64)], 1);
        var queryToken = cat([q, q.matmul(InitialWeights.t())], 1);
        return cat([examples, queryToken], 0).unsqueeze(0);
    }

    /// <summary>ŷ by attention: the query's y-slot after the layer, [b].</summary>
    public Tensor Predict(Tensor inputs, Tensor outputs, Tensor query)
    {
        using var noGrad = no_grad();
        var z = Layer.forward(Tokens(inputs, outputs, query));
        return z[0, z.shape[1] - 1].narrow(0, InputDimension, OutputDimension).clone();
    }

    /// <summary>ŷ by gradient descent: one step of size η on ½ Σ_j ‖W x_j − y_j‖² from W₀ (the gradient by autograd), then W₁ x_q; [b].</summary>
    public Tensor GradientStepPrediction(Tensor inputs, Tensor outputs, Tensor query) =>
        GradientStep(inputs, outputs).matmul(query.to_type(ScalarType.Float64).reshape(-1));

    /// <summary>W₁ = W₀ − η ∇L(W₀), [b, a] (the gradient by autograd, independent of the attention construction).</summary>
    public Tensor GradientStep(Tensor inputs, Tensor outputs)
    {
        Check(inputs, outputs, null);
        var w = InitialWeights.clone().requires_grad_(true);
        var residual = inputs.to_type(ScalarType.Float64).matmul(w.t()) - outputs.to_type(ScalarType.Float64);
        var loss = residual.square().sum().mul(Scalars.Of(0.5));
        var gradient = autograd.grad([loss], [w])[0];
        using var noGrad = no_grad();
        return InitialWeights - gradient.mul(Scalars.Of(LearningRate));
    }

    /// <summary>The layer's context increment M_C for the examples as a context, [a + b, a + b]; its y-x block is W₁ − W₀.</summary>
    public Tensor ContextIncrement(Tensor inputs, Tensor outputs)
    {
        Check(inputs, outputs, null);
        using var noGrad = no_grad();
        return LinearContextMap.IncrementOf(Layer.Attention, cat([inputs.to_type(ScalarType.Float64), outputs.to_type(ScalarType.Float64)], 1));
    }

    public void Dispose()
    {
        Layer.Dispose();
        InitialWeights.Dispose();
    }

    private void Check(Tensor inputs, Tensor outputs, Tensor? query)
    {
        if (inputs.dim() != 2 || inputs.shape[1] != InputDimension || inputs.shape[0] < 1)
            throw new ArgumentException($"inputs must be [N, {InputDimension}] with N ≥ 1; got [{string.Join(", ", inputs.shape)}].", nameof(inputs));
        if (outputs.dim() != 2 || outputs.shape[1] != OutputDimension || outputs.shape[0] != inputs.shape[0])
            throw new ArgumentException($"outputs must be [{inputs.shape[0]}, {OutputDimension}]; got [{string.Join(", ", outputs.shape)}].", nameof(outputs));
        if (query is not null && query.numel() != InputDimension)
            throw new ArgumentException($"query must have {InputDimension} entries; got {query.numel()}.", nameof(query));
    }

    /// <summary>
    /// Random problems: for each, a ∈ 1..5, b ∈ 1..4, N ∈ 1..24 examples x_j ~ N(0, I), y_j = W* x_j + noise, η ∈ [0.02, 0.5],
    /// W₀ = 0 for even-numbered problems and N(0, 1) entries for odd ones; compares ŷ by attention with ŷ by one
    /// gradient step, and the context increment's y-x block with W₁ − W₀.
    /// </summary>
    public static InContextRegressionCheck CheckRandomProblems(int problems, long seed)
    {
        if (problems < 1) throw new ArgumentOutOfRangeException(nameof(problems), problems, "problems must be at least 1.");
        var rng = DeterministicRandom.ForStream(seed, "in-context-regression");
        var cases = new List<InContextRegressionCase>();
        using var generator = new Generator((ulong)(seed + 1));
        for (int i = 0; i < problems; i++)
        {
            using var scope = NewDisposeScope();
            int a = 1 + rng.NextInt(5), b = 1 + rng.NextInt(4), n = 1 + rng.NextInt(24);
            double eta = 0.02 + 0.48 * rng.NextDouble();
            bool fromZero = i % 2 == 0;
            var x = randn(n, a, dtype: ScalarType.Float64, generator: generator);
            var wStar = randn(b, a, dtype: ScalarType.Float64, generator: generator);
            var y = x.matmul(wStar.t()) + randn(n, b, dtype: ScalarType.Float64, generator: generator).mul(Scalars.Of(0.1));
            var query = randn(a, dtype: ScalarType.Float64, generator: generator);
            Tensor? w0 = fromZero ? null : randn(b, a, dtype: ScalarType.Float64, generator: generator);
            using var construction = new InContextRegression(a, b, eta, w0);
            var byAttention = construction.Predict(x, y, query);
            var w1 = construction.GradientStep(x, y);
            var byGradient = w1.matmul(query);
            var increment = construction.ContextIncrement(x, y);
            var expected = zeros(a + b, a + b, dtype: ScalarType.Float64);
            expected.narrow(0, a, b).narrow(1, 0, a).copy_(w1 - construction.InitialWeights);
            cases.Add(new InContextRegressionCase(i, a, b, n, eta, fromZero,
                (byAttention - byGradient).abs().max().item<double>(),
                (increment - expected).abs().max().item<double>(),
                (byGradient - construction.InitialWeights.matmul(query)).abs().max().item<double>()));
        }
        return new InContextRegressionCheck(cases);
    }
}

/// <summary>One in-context regression problem: its shape, the attention-vs-gradient-step error, the increment-vs-ΔW
/// error, and the size of the step's effect on the prediction (so an error is judged against something non-zero).</summary>
/// <param name="Problem">Index.</param>
/// <param name="InputDimension">a.</param>
/// <param name="OutputDimension">b.</param>
/// <param name="Examples">N.</param>
/// <param name="LearningRate">η.</param>
/// <param name="FromZero">W₀ = 0.</param>
/// <param name="Error">max |ŷ_attention − ŷ_GD|.</param>
/// <param name="IncrementError">max |M_C − [0 0; W₁ − W₀ 0]|.</param>
/// <param name="StepEffect">max |W₁ x_q − W₀ x_q|.</param>
public sealed record InContextRegressionCase(int Problem, int InputDimension, int OutputDimension, int Examples, double LearningRate,
    bool FromZero, double Error, double IncrementError, double StepEffect);

/// <summary>The cases of <see cref="InContextRegression.CheckRandomProblems"/>, their worst errors and a table.</summary>
public sealed record InContextRegressionCheck(IReadOnlyList<InContextRegressionCase> Cases)
{
    public double WorstError => Cases.Max(c => c.Error);

    public double WorstIncrementError => Cases.Max(c => c.IncrementError);

    /// <summary>The smallest effect of a step on a prediction: an error far below it means the check has power.</summary>
    public double SmallestStepEffect => Cases.Min(c => c.StepEffect);

    public DataFrame ToDataFrame() => new(
        new PrimitiveDataFrameColumn<int>("problem", Cases.Select(c => c.Problem)),
        new PrimitiveDataFrameColumn<int>("a", Cases.Select(c => c.InputDimension)),
        new PrimitiveDataFrameColumn<int>("b", Cases.Select(c => c.OutputDimension)),
        new PrimitiveDataFrameColumn<int>("examples", Cases.Select(c => c.Examples)),
        new DoubleDataFrameColumn("eta", Cases.Select(c => c.LearningRate)),
        new BooleanDataFrameColumn("from_zero", Cases.Select(c => c.FromZero)),
        new DoubleDataFrameColumn("error", Cases.Select(c => c.Error)),
        new DoubleDataFrameColumn("increment_error", Cases.Select(c => c.IncrementError)),
        new DoubleDataFrameColumn("step_effect", Cases.Select(c => c.StepEffect)));
}
