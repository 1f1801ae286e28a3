using Slt.Notebooks.WriteUp;

namespace Slt.Tests.Notebooks;

public sealed class MarkdownRendererTests
{
    [Fact]
    public void InlineAndDisplayMathBecomeMathElements()
    {
        string html = MarkdownRenderer.ToHtml("Let $K(w) = w^4$. Then\n\n$$F_n = \\lambda \\log n$$\n\nand **that** is all.");
        Assert.Contains("<span class=\"math\">\\(K(w) = w^4\\)</span>", html);
        Assert.Contains("<div class=\"math\">", html);
        Assert.Contains("F_n = \\lambda \\log n", html);
        Assert.Contains("<strong>that</strong>", html);
    }

    [Fact]
    public void KatexIsInlinedWithItsFonts()
    {
        Assert.StartsWith("0.16.", PageAssets.KatexVersion);
        Assert.Contains("data:font/woff2;base64,", PageAssets.KatexStyle);
        Assert.DoesNotContain("url(fonts/", PageAssets.KatexStyle);
        Assert.Contains("katex", PageAssets.KatexScript);
    }
}
