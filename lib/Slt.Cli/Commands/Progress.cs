using Slt.Sampling;
using Spectre.Console;

namespace Slt.Cli.Commands;

/// <summary>Shows long work with a Spectre.Console progress bar (not when printing JSON, which must stay clean).</summary>
internal static class Progress
{
    public static T Run<T>(bool quiet, string label, Func<IProgress<SamplingProgress>, T> work)
    {
        if (quiet || Console.IsOutputRedirected) return work(new Progress<SamplingProgress>(_ => { }));
        T result = default!;
        AnsiConsole.Progress().Start(ctx =>
        {
            var task = ctx.AddTask(label, maxValue: 1);
            result = work(new Inline(p => { task.MaxValue = p.TotalSteps; task.Value = p.Step; task.Description = $"{label} ({p.Stage})"; }));
        });
        return result;
    }

    /// <summary>Reports synchronously (System.Progress would post to the thread pool, out of order).</summary>
    public sealed class Inline(Action<SamplingProgress> report) : IProgress<SamplingProgress>
    {
        public void Report(SamplingProgress value) => report(value);
    }

    /// <summary>Reports text synchronously.</summary>
    public sealed class InlineText(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
