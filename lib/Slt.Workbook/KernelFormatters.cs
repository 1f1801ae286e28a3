using Microsoft.Data.Analysis;
using Microsoft.DotNet.Interactive.Formatting;
using Slt.Presentation;

namespace Slt.Workbook;

/// <summary>
/// HTML formatters for a .NET Interactive kernel (the stock kernels of VS Code and <c>dotnet repl</c>, and the
/// in-process runner of <c>slt reproduce</c>): figures as plotly.js charts, DataFrames as tables (with a link to their
/// CSV), progress lines (<see cref="NotebookProgress"/>) as a bar and a line of text.
/// </summary>
/// <remarks>Only called through <see cref="Notebook.Initialize"/>, which skips it where the formatting assembly is absent.</remarks>
internal static class KernelFormatters
{
    private const string Html = "text/html";
    private const string PlainText = "text/plain";

    public static void Register()
    {
        Formatter.Register<Figure>((figure, writer) => writer.Write(figure.ToHtml()), Html);
        Formatter.Register<FigureGrid>((grid, writer) => writer.Write(grid.ToHtml()), Html);
        Formatter.Register<DataFrame>((frame, writer) => writer.Write(frame.ToHtml(csvLink: true)), Html);
        Formatter.Register<ProgressLine>((line, writer) => writer.Write(line.ToHtml()), Html);
        Formatter.Register<ProgressLine>((line, writer) => writer.Write(line.ToString()), PlainText);
        Formatter.Register<WorkbookEnvironment>((environment, writer) =>
            writer.Write($"<p class=\"slt-environment\"><code>{System.Net.WebUtility.HtmlEncode(environment.ToString())}</code></p>"), Html);
        Formatter.SetPreferredMimeTypesFor(typeof(WorkbookEnvironment), Html);
        Formatter.SetPreferredMimeTypesFor(typeof(Figure), Html);
        Formatter.SetPreferredMimeTypesFor(typeof(FigureGrid), Html);
        Formatter.SetPreferredMimeTypesFor(typeof(DataFrame), Html);
        Formatter.SetPreferredMimeTypesFor(typeof(ProgressLine), Html, PlainText);
    }
}
