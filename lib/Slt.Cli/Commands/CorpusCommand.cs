using System.ComponentModel;
using Slt.Truth;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary><c>slt corpus --spec FILE [--out FILE]</c>: writes the spec's sample corpus (one window per line).</summary>
internal sealed class CorpusCommand : Command<CorpusCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--spec <FILE>")]
        [Description("Corpus spec JSON, e.g. data/default.corpus.json.")]
        public string? Spec { get; init; }

        [CommandOption("--out <FILE>")]
        [Description("Where to write the sample (default: print a summary and the first windows).")]
        public string? Out { get; init; }

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Spec) ? ValidationResult.Error("--spec FILE is required.") : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var truth = new TrueDistribution(CorpusSpec.Load(settings.Spec!));
        var sample = new CorpusGenerator(truth).SpecSample();
        if (settings.Out is not null)
        {
            File.WriteAllText(settings.Out, sample.ToText());
            AnsiConsole.MarkupLine($"wrote {sample.Count} windows of C = {sample.ContextLength} tokens to {Markup.Escape(settings.Out)}");
            return 0;
        }
        AnsiConsole.MarkupLine($"{Markup.Escape(truth.Spec.Name)}: |S| = {truth.Vocabulary.Count} tokens, {truth.TaskCount} tasks in {truth.Spec.Families.Count} families, C = {truth.ContextLength}");
        for (int i = 0; i < Math.Min(5, sample.Count); i++)
            AnsiConsole.WriteLine($"task {sample.TasksOf(i)[0],3}: {sample.Vocabulary.Decode(sample.Window(i))}");
        return 0;
    }
}
