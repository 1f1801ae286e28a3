using Slt.Tests.Cli;

namespace Slt.Tests.Notebooks;

public sealed class ReproduceCommandTests
{
    [Fact]
    public void FailingNotebookGivesNonZeroExitAndItsCellOnConsoleAndPage()
    {
        string folder = Directory.CreateTempSubdirectory("slt-reproduce-").FullName;
        try
        {
            string notebooks = Directory.CreateDirectory(Path.Combine(folder, "nb")).FullName;
            string output = Path.Combine(folder, "out");
            File.WriteAllText(Path.Combine(notebooks, "01-fails.dib"), "#!markdown\n# A notebook that fails\n\n#!csharp\nvar n = 3;\nthrow new ArgumentException($\"n = {n} is not allowed\");\n");
            File.WriteAllText(Path.Combine(notebooks, "02-works.dib"), "#!csharp\nConsole.WriteLine(6 * 7);\n");
            var outcome = CliProcess.Run(TimeSpan.FromMinutes(5), "reproduce", "--notebooks", notebooks, "--out", output);
            Assert.Equal(1, outcome.ExitCode);
            Assert.Contains("01-fails, cell 2", outcome.Stdout);
            Assert.Contains("throw new ArgumentException", outcome.Stdout);
            Assert.Contains("n = 3 is not allowed", outcome.Stdout);
            string page = File.ReadAllText(Path.Combine(output, "01-fails.html"));
            Assert.Contains("<div class=\"failure\"><strong>Cell 2 failed</strong>", page);
            Assert.Contains("n = 3 is not allowed", page);
            // The other notebook still ran, and the index shows both.
            Assert.Contains("42", File.ReadAllText(Path.Combine(output, "02-works.html")));
            string index = File.ReadAllText(Path.Combine(output, "index.html"));
            Assert.Contains("status failed", index);
            Assert.Contains("status ok", index);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Fact]
    public void OnlyNamingNoNotebookIsAClearError()
    {
        var outcome = CliProcess.Run(TimeSpan.FromMinutes(2), "reproduce", "--notebooks", RepositoryPaths.Path("notebooks"), "--out", Path.GetTempPath(), "--only", "no-such-notebook");
        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains("names no notebook", outcome.Stdout);
        Assert.Contains("00-workbook-tour", outcome.Stdout);
    }
}
