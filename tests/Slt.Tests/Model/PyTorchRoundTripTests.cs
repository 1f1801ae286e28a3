using System.Text.Json.Nodes;
using Slt.Model;
using Slt.Platform;
using Slt.Truth;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Slt.Tests.Model;

/// <summary>
/// The round trip against real PyTorch (tests/pytorch/reference.py, Debian's python3-torch in CI): (a) a briefly trained
/// model exported here gives PyTorch's forward pass the same log-probabilities, in both layouts, both file formats and
/// both precisions; (b) state dicts that PyTorch wrote (nanoGPT-style, torch.save and safetensors, a nanoGPT training
/// checkpoint) import with the same log-probabilities PyTorch computed. Float32 agrees to ≤ 1e-5 (the brief's bound;
/// different kernels round differently), float64 to ≤ 1e-10 (a wrong map is off by ≫ 1e-3, see the wrong-head check).
/// </summary>
public sealed class PyTorchRoundTripTests(ITestOutputHelper output) : IDisposable
{
    private const double Float32Tolerance = 1e-5;
    private const double Float64Tolerance = 1e-10;
    private static readonly TimeSpan PythonTimeout = TimeSpan.FromMinutes(3);
    private readonly string _dir = Directory.CreateTempSubdirectory("slt-pytorch-rt-").FullName;

    // Tiny models: one libtorch thread is as fast on an idle machine and far faster on a shared one (spinning OpenMP
    // threads on oversubscribed cores made 30 steps take 40 s instead of 2). Not restored afterwards: the count is
    // process-wide and test classes run in parallel, so restoring it changed the thread count under another class's
    // running estimate (LlcTrajectoryTests compares two estimates digit for digit); one thread is what the other tests
    // that care set themselves.
    private readonly int _ = InitializeOneThread();

    private static int InitializeOneThread()
    {
        TorchRuntime.Initialize(1);
        return 1;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static JsonArray Windows(Tensor windows)
    {
        var rows = new JsonArray();
        long t = windows.shape[1];
        var data = windows.data<long>().ToArray();
        for (long b = 0; b < windows.shape[0]; b++)
            rows.Add(new JsonArray(data.Skip((int)(b * t)).Take((int)t).Select(x => (JsonNode)JsonValue.Create(x)!).ToArray()));
        return rows;
    }

    /// <summary>max |log p_ours − log p_PyTorch| over every window, position and token.</summary>
    private static double MaxDifference(Transformer model, Tensor windows, JsonNode pythonResult)
    {
        var (shape, theirs) = PythonTorch.Result(pythonResult);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.eval();
        var ours = model.LogProbabilities(windows);
        Assert.Equal(ours.shape, shape);
        var values = ours.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        Assert.Equal(values.Length, theirs.Length);
        double max = 0;
        for (int i = 0; i < values.Length; i++) max = Math.Max(max, Math.Abs(values[i] - theirs[i]));
        Assert.False(double.IsNaN(max));
        return max;
    }

    private static JsonObject Evaluate(string path, string layout, int heads, string dtype) =>
        new() { ["path"] = path, ["layout"] = layout, ["heads"] = heads, ["dtype"] = dtype };

    /// <summary>(a) Ours → PyTorch.</summary>
    [PyTorchFact]
    public void ExportedTrainedModelGivesPyTorchTheSameLogProbabilities()
    {
        TorchRuntime.Initialize();
        var spec = CorpusSpec.Default;
        var config = new TransformerConfig(new Vocabulary(spec).Count, spec.ContextLength, ModelDimension: 16, Layers: 2, Heads: 2);
        // Briefly trained: 40 AdamW steps on minibatches of 16 windows from the corpus (Trainer's recipe without its
        // per-checkpoint evaluations, which would dominate the test's time).
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var sample = new CorpusGenerator(new TrueDistribution(spec)).Sample(256, seed: 3);
        using var model32 = new Transformer(config, seed: 3);
        double firstLoss = double.NaN, lastLoss = double.NaN;
        using (var optimizer = optim.AdamW(model32.parameters(), lr: 1e-2, weight_decay: 0.01))
        {
            model32.train();
            for (int step = 0; step < 40; step++)
            {
                using var scope = NewDisposeScope();
                var batch = sample.ToTensor(first: step * 16 % 256, count: 16);
                optimizer.zero_grad();
                var loss = Slt.Losses.NextTokenLoss.Mean(model32, batch);
                loss.backward();
                optimizer.step();
                lastLoss = loss.item<float>();
                if (step == 0) firstLoss = lastLoss;
            }
        }
        output.WriteLine($"40 AdamW steps ({clock.Elapsed.TotalSeconds:F1} s): minibatch loss {firstLoss:F3} → {lastLoss:F3}");
        Assert.True(lastLoss < firstLoss - 0.3, "the model did not train");
        using var model64 = new Transformer(config);
        model64.to(ScalarType.Float64);
        using (no_grad())
            foreach (var ((_, target), (_, source)) in model64.named_parameters().Zip(model32.named_parameters())) target.copy_(source);

        // An attention-only model without LayerNorm, weights N(0, 0.3²): the workbook layout's other branch.
        var attentionOnlyConfig = config with { Mlp = false, LayerNorm = false, Layers = 1 };
        using var attentionOnly = new Transformer(attentionOnlyConfig);
        using (no_grad())
        using (var generator = new Generator(11))
            foreach (var p in attentionOnly.parameters()) p.normal_(0.0, 0.3, generator);

        using var windows = new CorpusGenerator(new TrueDistribution(spec)).Sample(6, seed: 99).ToTensor();
        var cases = new (string File, CheckpointLayout Layout, Transformer Model, string Dtype)[]
        {
            ("ours32.pt", CheckpointLayout.Slt, model32, "float32"),
            ("nano32.safetensors", CheckpointLayout.NanoGpt, model32, "float32"),
            ("nano32.pt", CheckpointLayout.NanoGpt, model32, "float32"),
            ("ours64.safetensors", CheckpointLayout.Slt, model64, "float64"),
            ("nano64.pt", CheckpointLayout.NanoGpt, model64, "float64"),
            ("attention-only32.pt", CheckpointLayout.Slt, attentionOnly, "float32"),
        };
        var jobs = new JsonArray();
        foreach (var (file, layout, model, dtype) in cases)
        {
            string path = Path.Combine(_dir, file);
            PyTorchCheckpoint.Export(model, path, layout);
            jobs.Add(Evaluate(path, layout == CheckpointLayout.NanoGpt ? "nanogpt" : "slt", config.Heads, dtype));
        }
        clock.Restart();
        var response = PythonTorch.Run(new JsonObject { ["windows"] = Windows(windows), ["evaluate"] = jobs }, _dir, PythonTimeout);
        output.WriteLine($"python took {clock.Elapsed.TotalSeconds:F1} s");
        output.WriteLine($"PyTorch {response["torch"]}; {windows.shape[0]} windows of {windows.shape[1]} tokens, |S| = {config.VocabularySize}");
        for (int i = 0; i < cases.Length; i++)
        {
            var (file, _, model, dtype) = cases[i];
            double max = MaxDifference(model, windows, response["evaluate"]![i]!);
            output.WriteLine($"{file,-22} max |Δ log p| = {max:E2}");
            Assert.True(max <= (dtype == "float64" ? Float64Tolerance : Float32Tolerance), $"{file}: max |Δ log p| = {max:E3}");
        }
    }

    /// <summary>(b) PyTorch → ours.</summary>
    [PyTorchFact]
    public void StateDictsPyTorchWroteImportWithPyTorchsLogProbabilities()
    {
        TorchRuntime.Initialize();
        const int vocabulary = 37, context = 16, d = 24;
        using var generator = new Generator(5);
        using var windows = randint(0, vocabulary, [5, context], generator: generator, dtype: ScalarType.Int64);
        JsonObject Make(string file, string format, string dtype, int layers, int heads, bool bias, int seed, Action<JsonObject>? more = null)
        {
            var spec = new JsonObject
            {
                ["path"] = Path.Combine(_dir, file), ["format"] = format, ["dtype"] = dtype, ["vocab"] = vocabulary, ["context"] = context,
                ["dim"] = d, ["layers"] = layers, ["heads"] = heads, ["seed"] = seed, ["scale"] = 0.3, ["bias"] = bias,
            };
            more?.Invoke(spec);
            return spec;
        }
        var cases = new (JsonObject Spec, int? Heads, string[] Notes)[]
        {
            // nanoGPT's bias=False on PyTorch < 2: causal-mask buffers, lm_head tied (stored twice, one storage).
            (Make("bias-free-tied.pt", "pt", "float32", 2, 3, bias: false, seed: 1, s => s["mask_buffer"] = true), 3,
                ["lm_head.weight equals", "causal-mask", "LayerNorm biases absent", "MLP biases absent"]),
            // bias=True with only the key bias nonzero (exactly droppable), tied lm_head left out, as safetensors.
            (Make("key-bias.safetensors", "safetensors", "float64", 2, 3, bias: true, seed: 2, s => { s["key_bias_only"] = true; s["omit_lm_head"] = true; }), 3,
                ["dropped the key part", "lm_head.weight absent"]),
            // nanoGPT's train.py checkpoint (after one AdamW step) of a torch.compile'd model: heads from model_args,
            // optimizer state beside.
            (Make("ckpt.pt", "pt", "float32", 1, 4, bias: false, seed: 3, s => { s["training_checkpoint"] = true; s["prefix"] = "_orig_mod."; s["mask_buffer"] = true; }), null,
                ["'_orig_mod.'", "LayerNorm biases absent"]),
        };
        // The same with bias=True: the optimizer step made the query bias nonzero, which our attention cannot hold.
        var refused = Make("ckpt-bias.pt", "pt", "float32", 1, 4, bias: true, seed: 4, s => { s["key_bias_only"] = true; s["training_checkpoint"] = true; });
        var response = PythonTorch.Run(new JsonObject { ["windows"] = Windows(windows), ["make"] = new JsonArray([.. cases.Select(c => (JsonNode)c.Spec), refused]) }, _dir, PythonTimeout);
        output.WriteLine($"PyTorch {response["torch"]}; {windows.shape[0]} windows of {context} tokens, |S| = {vocabulary}, d = {d}");
        for (int i = 0; i < cases.Length; i++)
        {
            var (spec, heads, notes) = cases[i];
            string path = spec["path"]!.GetValue<string>();
            var imported = PyTorchCheckpoint.Import(path, heads: heads);
            using var model = imported.Model;
            Assert.Equal(CheckpointLayout.NanoGpt, imported.Layout);
            Assert.Equal(spec["heads"]!.GetValue<int>(), model.Config.Heads);
            foreach (var note in notes) Assert.Contains(imported.Notes, n => n.Contains(note, StringComparison.Ordinal));
            bool float64 = spec["dtype"]!.GetValue<string>() == "float64";
            Assert.Equal(float64 ? ScalarType.Float64 : ScalarType.Float32, model.parameters().First().dtype);
            double max = MaxDifference(model, windows, response["make"]![i]!);
            output.WriteLine($"{Path.GetFileName(path),-22} max |Δ log p| = {max:E2}   ({string.Join("; ", imported.Notes)})");
            Assert.True(max <= (float64 ? Float64Tolerance : Float32Tolerance), $"{path}: max |Δ log p| = {max:E3}");
        }

        var bias = Assert.Throws<InvalidDataException>(() => PyTorchCheckpoint.Import(refused["path"]!.GetValue<string>()).Model.Dispose());
        output.WriteLine($"ckpt-bias.pt refused: {bias.Message}");
        Assert.Contains("'transformer.h.0.attn.c_attn.bias'", bias.Message);
        Assert.Contains("query bias", bias.Message);

        // Power: the same weights split into the wrong number of heads compute another function, far outside the tolerance.
        using var wrong = PyTorchCheckpoint.Import(cases[0].Spec["path"]!.GetValue<string>(), heads: 1).Model;
        double wrongHeads = MaxDifference(wrong, windows, response["make"]![0]!);
        output.WriteLine($"bias-free-tied.pt read with 1 head instead of 3: max |Δ log p| = {wrongHeads:E2}");
        Assert.True(wrongHeads > 1e-3, $"a wrong head split went unnoticed ({wrongHeads:E3})");
    }
}
