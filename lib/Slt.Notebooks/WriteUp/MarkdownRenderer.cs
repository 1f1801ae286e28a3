using System.Text.RegularExpressions;
using Markdig;

namespace Slt.Notebooks.WriteUp;

/// <summary>
/// Markdown cells to HTML with Markdig (CommonMark and its common extensions). LaTeX between <c>$...$</c> and
/// <c>$$...$$</c> becomes <c>.math</c> elements that KaTeX renders in the page (<see cref="PageAssets.RenderMathScript"/>).
/// </summary>
public static partial class MarkdownRenderer
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UseAdvancedExtensions() // includes mathematics, pipe tables, auto-identifiers
        .Build();

    /// <summary>The HTML of one markdown cell.</summary>
    public static string ToHtml(string markdown) => Markdown.ToHtml(DisplayMathOnOwnLines(markdown), Pipeline);

    /// <summary>
    /// Notebooks write display math as a line <c>$$ ... $$</c> (Jupyter and VS Code render it so); Markdig reads that
    /// as inline math and only a fenced <c>$$</c> block as display math, so such lines become fenced blocks.
    /// </summary>
    public static string DisplayMathOnOwnLines(string markdown) => DisplayMathLine().Replace(markdown, "$$$$\n${tex}\n$$$$");

    [GeneratedRegex(@"^[ \t]*\$\$(?<tex>[^\n$]+?)\$\$[ \t]*$", RegexOptions.Multiline)]
    private static partial Regex DisplayMathLine();
}
