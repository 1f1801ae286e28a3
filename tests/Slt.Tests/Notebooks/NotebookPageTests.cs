using Slt.Notebooks.WriteUp;

namespace Slt.Tests.Notebooks;

public sealed class NotebookPageTests
{
    /// <summary>λ̂ is λ followed by U+0302; in DejaVu Sans Mono the hat lands after the letter (λˆ), so console text
    /// puts such letters in a span the stylesheet draws in a proportional font.</summary>
    [Fact]
    public void LettersWithCombiningMarksInConsoleTextAreSetApart()
    {
        string html = NotebookPage.Preformatted("\u03bb\u0302 = 0.39 < 1 and w\u0302, \u0175");
        Assert.Equal("<span class=\"combined\">\u03bb\u0302</span> = 0.39 &lt; 1 and <span class=\"combined\">w\u0302</span>, \u0175", html);
        Assert.Contains("pre .combined", PageAssets.Style);
    }
}
