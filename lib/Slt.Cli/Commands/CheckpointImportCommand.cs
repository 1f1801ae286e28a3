using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using Slt.Model;
using Slt.Platform;
using Slt.Truth;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace Slt.Cli.Commands;

/// <summary><c>slt checkpoint import --state-dict FILE --out FILE.ckpt [--heads H] [--layout auto|slt|nanogpt] [--corpus SPEC] [--json]</c>:
/// a PyTorch state dict (torch.save or safetensors; nanoGPT's names or ours) becomes a workbook checkpoint.</summary>
internal sealed class CheckpointImportCommand : Command<CheckpointImportCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--state-dict <FILE>")]
        [Description("A PyTorch state dict: torch.save(model.state_dict()) (.pt/.pth/.bin), a nanoGPT ckpt.pt, or .safetensors.")]
        public string? StateDict { get; init; }

        [CommandOption("--out <FILE>")]
        [Description("The workbook checkpoint to write (for slt kl, slt llc transformer --checkpoint, notebooks).")]
        public string? Out { get; init; }

        [CommandOption("--heads <H>")]
        [Description("Attention heads per block; required for a nanoGPT state dict without model_args (the weights do not record it).")]
        public int? Heads { get; init; }

        [CommandOption("--layout <NAME>")]
        [Description("Key names: auto (default), slt (the workbook's) or nanogpt.")]
        public string Layout { get; init; } = "auto";

        [CommandOption("--corpus <SPEC>")]
        [Description("Corpus spec JSON to store in the checkpoint (its |S| and C must match the model), so slt kl needs no --corpus.")]
        public string? Corpus { get; init; }

        [CommandOption("--json")]
        [Description("Print JSON instead of a summary.")]
        public bool Json { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(StateDict)) return ValidationResult.Error("--state-dict FILE is required.");
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out FILE.ckpt is required.");
            if (Heads is < 1) return ValidationResult.Error($"--heads must be at least 1, got {Heads}.");
            if (Layout.Trim().ToLowerInvariant() is not ("auto" or "slt" or "nanogpt"))
                return ValidationResult.Error($"--layout must be auto, slt or nanogpt, got '{Layout}'.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        TorchRuntime.Initialize(Environment.GetEnvironmentVariable("SLT_THREADS") is { Length: > 0 } ? null : 1);
        CheckpointLayout? layout = settings.Layout.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase) ? null : PyTorchCheckpoint.ParseLayout(settings.Layout);
        CorpusSpec? spec = settings.Corpus is null ? null : CorpusSpec.Load(settings.Corpus);
        // Workbook checkpoints hold float32 weights (what slt kl and slt llc load).
        var imported = PyTorchCheckpoint.Import(settings.StateDict!, layout, settings.Heads, ScalarType.Float32);
        using var model = imported.Model;
        var c = model.Config;
        if (spec is not null)
        {
            int vocabulary = new Vocabulary(spec).Count;
            if (vocabulary != c.VocabularySize || spec.ContextLength != c.ContextLength)
                throw new ArgumentException(
                    $"The corpus '{spec.Name}' (|S| = {vocabulary}, C = {spec.ContextLength}) does not fit the imported model (|S| = {c.VocabularySize}, C = {c.ContextLength}).");
        }
        TransformerCheckpoint.Save(settings.Out!, model, step: 0, spec?.ToJson());

        if (settings.Json)
        {
            var doc = new JsonObject
            {
                ["state_dict"] = Path.GetFullPath(settings.StateDict!),
                ["layout"] = imported.Layout == CheckpointLayout.NanoGpt ? "nanogpt" : "slt",
                ["config"] = JsonNode.Parse(c.ToJson()),
                ["parameters"] = model.ParameterCount,
                ["notes"] = new JsonArray(imported.Notes.Select(n => (JsonNode)JsonValue.Create(n)!).ToArray()),
                ["out"] = Path.GetFullPath(settings.Out!),
            };
            Console.Out.WriteLine(doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        AnsiConsole.MarkupLine(Markup.Escape(
            $"imported {(imported.Layout == CheckpointLayout.NanoGpt ? "nanoGPT" : "workbook")} layout: |S| = {c.VocabularySize}, C = {c.ContextLength}, d = {c.ModelDimension}, " +
            $"{c.Layers} layers × {c.Heads} heads, {(c.Mlp ? $"MLP {c.MlpHidden}" : "no MLP")}, {(c.LayerNorm ? "LayerNorm" : "no LayerNorm")}; {model.ParameterCount:N0} parameters"));
        foreach (var note in imported.Notes) AnsiConsole.MarkupLine("  " + Markup.Escape(note));
        AnsiConsole.MarkupLine($"wrote {Markup.Escape(settings.Out!)}");
        return 0;
    }
}
