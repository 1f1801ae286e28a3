using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using Slt.Model;
using Slt.Platform;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary><c>slt checkpoint export --checkpoint FILE.ckpt --out FILE.pt|FILE.safetensors [--layout slt|nanogpt] [--json]</c>:
/// a workbook checkpoint becomes a PyTorch state dict.</summary>
internal sealed class CheckpointExportCommand : Command<CheckpointExportCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--checkpoint <FILE>")]
        [Description("A workbook checkpoint (slt train, slt checkpoint import).")]
        public string? Checkpoint { get; init; }

        [CommandOption("--out <FILE>")]
        [Description("The state dict to write: .pt, .pth or .bin (torch.save's format) or .safetensors.")]
        public string? Out { get; init; }

        [CommandOption("--layout <NAME>")]
        [Description("Key names: slt (default, the workbook's) or nanogpt.")]
        public string Layout { get; init; } = "slt";

        [CommandOption("--json")]
        [Description("Print JSON instead of a summary.")]
        public bool Json { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Checkpoint)) return ValidationResult.Error("--checkpoint FILE is required.");
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out FILE is required (.pt, .pth, .bin or .safetensors).");
            string ext = Path.GetExtension(Out).ToLowerInvariant();
            if (ext is not (".pt" or ".pth" or ".bin" or ".safetensors"))
                return ValidationResult.Error($"--out must end in .pt, .pth, .bin or .safetensors, got '{Out}'.");
            if (Layout.Trim().ToLowerInvariant() is not ("slt" or "nanogpt"))
                return ValidationResult.Error($"--layout must be slt or nanogpt, got '{Layout}'.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        TorchRuntime.Initialize(Environment.GetEnvironmentVariable("SLT_THREADS") is { Length: > 0 } ? null : 1);
        var layout = PyTorchCheckpoint.ParseLayout(settings.Layout);
        var (model, header) = TransformerCheckpoint.Load(settings.Checkpoint!);
        using var _ = model;
        PyTorchCheckpoint.Export(model, settings.Out!, layout);
        var c = model.Config;
        var format = PyTorchStateDict.FormatOf(settings.Out!);
        if (settings.Json)
        {
            var doc = new JsonObject
            {
                ["checkpoint"] = Path.GetFullPath(settings.Checkpoint!),
                ["step"] = header.Step,
                ["layout"] = layout == CheckpointLayout.NanoGpt ? "nanogpt" : "slt",
                ["format"] = format == StateDictFormat.Safetensors ? "safetensors" : "torch.save",
                ["config"] = JsonNode.Parse(c.ToJson()),
                ["out"] = Path.GetFullPath(settings.Out!),
            };
            if (layout == CheckpointLayout.NanoGpt)
                doc["model_args"] = new JsonObject
                {
                    ["n_layer"] = c.Layers, ["n_head"] = c.Heads, ["n_embd"] = c.ModelDimension, ["block_size"] = c.ContextLength,
                    ["vocab_size"] = c.VocabularySize, ["bias"] = true,
                };
            Console.Out.WriteLine(doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        AnsiConsole.MarkupLine(Markup.Escape(
            $"wrote {settings.Out} ({(format == StateDictFormat.Safetensors ? "safetensors" : "torch.save")}, {(layout == CheckpointLayout.NanoGpt ? "nanoGPT" : "workbook")} names) " +
            $"from step {header.Step}: |S| = {c.VocabularySize}, C = {c.ContextLength}, d = {c.ModelDimension}, {c.Layers} layers × {c.Heads} heads"));
        if (layout == CheckpointLayout.NanoGpt)
            AnsiConsole.MarkupLine(Markup.Escape(
                $"nanoGPT model_args: n_layer={c.Layers}, n_head={c.Heads}, n_embd={c.ModelDimension}, block_size={c.ContextLength}, vocab_size={c.VocabularySize}, bias=True; " +
                "lm_head is untied and may carry a bias (docs/pytorch.md)."));
        return 0;
    }
}
