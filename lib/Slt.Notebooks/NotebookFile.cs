using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Documents.Jupyter;

namespace Slt.Notebooks;

/// <summary>Reads and writes notebook files: Jupyter <c>.ipynb</c> and .NET Interactive <c>.dib</c>.</summary>
public static class NotebookFile
{
    /// <summary>The kernels a workbook notebook may use (C# code, markdown text).</summary>
    public static KernelInfoCollection Kernels { get; } = new()
    {
        new KernelInfo("csharp", "C#", ["c#", "C#", "cs"]),
        new KernelInfo("markdown", "Markdown", ["md"]),
        new KernelInfo("fsharp", "F#", ["f#", "F#", "fs"]),
        new KernelInfo("pwsh", "PowerShell", ["powershell"]),
    };

    /// <summary>True for the file types the runner executes.</summary>
    public static bool IsNotebook(string path) =>
        path.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".dib", StringComparison.OrdinalIgnoreCase);

    /// <summary>The notebooks of a folder (not its subfolders), in file-name order: the order they are run in.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static IReadOnlyList<string> InFolder(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Notebook folder '{folder}' does not exist.");
        return Directory.EnumerateFiles(folder).Where(IsNotebook).Order(StringComparer.Ordinal).Select(Path.GetFullPath).ToList();
    }

    /// <summary>Parses a notebook.</summary>
    /// <exception cref="InvalidDataException">The file is not a readable notebook (the message names it).</exception>
    public static InteractiveDocument Read(string path)
    {
        string text = File.ReadAllText(path);
        try
        {
            var document = path.EndsWith(".dib", StringComparison.OrdinalIgnoreCase)
                ? CodeSubmission.Parse(text, Kernels)
                : Notebook.Parse(text, Kernels);
            return document;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"'{path}' is not a readable notebook: {e.Message}", e);
        }
    }

    /// <summary>The executed notebook as Jupyter JSON, with every cell's outputs.</summary>
    public static string ToExecutedIpynb(NotebookRun run)
    {
        var document = new InteractiveDocument();
        foreach (var cell in run.Cells)
        {
            var outputs = cell.Outputs.Select(ToDocumentOutput).ToList();
            var element = new InteractiveDocumentElement(cell.Source, cell.Language, outputs);
            if (cell.Status is CellStatus.Succeeded or CellStatus.Failed) element.ExecutionOrder = cell.Index + 1;
            document.Elements.Add(element);
        }
        document.Metadata["kernelspec"] = new Dictionary<string, object> { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" };
        return document.ToJupyterJson("csharp");
    }

    private static InteractiveDocumentOutputElement ToDocumentOutput(CellOutput output) => output.Kind switch
    {
        CellOutputKind.Error => new ErrorElement(output.Text ?? "", "Error", []),
        CellOutputKind.StandardOutput => new TextElement(output.Text ?? "", "stdout"),
        CellOutputKind.StandardError => new TextElement(output.Text ?? "", "stderr"),
        _ => new DisplayElement(output.Data.ToDictionary(kv => kv.Key, kv => (object)kv.Value)),
    };
}
