using Delight.Test.Cli;
using Delight.Experiments.Reproduce;
using Delight.Runtime;

namespace Delight.Test.Experiments;

public sealed class ResultsDocumentTest : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("delight-results-doc-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    const string Generated = "# gate: the gate\n\nSetup. Sweeps in `sweep/h<H>-*/`.\n\n## a table\n\n"
        + "![plot](plot.svg)\n\nSee [the paper](https://arxiv.org/abs/1), [above](#gate) and [a file](../x.md).\n";

    static string Document(string inside) => "# Results\n\nAt a glance: by hand.\n\n"
        + ResultsDocument.Begin("gate") + "\n" + inside + ResultsDocument.End("gate") + "\n\nNote by hand.\n";

    [Fact]
    public void Splice_ReplacesOnlyTheMarkedBlock_DemotingHeadingsAndRootingRelativePaths()
    {
        var (text, updated, missing) = ResultsDocument.Splice(Document("old numbers\n"), ["gate", "kondo"], name => name == "gate" ? Generated : null);

        Assert.Equal(["gate"], updated);
        Assert.Empty(missing); // kondo has no markers here, so it is neither updated nor missing
        var expected = Document("## gate: the gate\n\nSetup. Sweeps in `results/gate/sweep/h<H>-*/`.\n\n### a table\n\n"
            + "![plot](results/gate/plot.svg)\n\nSee [the paper](https://arxiv.org/abs/1), [above](#gate) and [a file](../x.md).\n\n");
        Assert.Equal(expected, text);
        // Splicing again gives the same document: a rerun without new numbers changes nothing.
        Assert.Equal(text, ResultsDocument.Splice(text, ["gate"], _ => Generated).Text);
    }

    [Fact]
    public void Splice_LeavesASectionWithoutGeneratedMarkdownAlone_AndSaysSo()
    {
        var document = Document("kept\n");
        var (text, updated, missing) = ResultsDocument.Splice(document, ["gate"], _ => null);
        Assert.Equal(document, text);
        Assert.Empty(updated);
        Assert.Equal(["gate"], missing);
    }

    [Theory]
    [InlineData("end only", "an end marker without its begin marker")]
    [InlineData("reversed", "its end marker before its begin marker")]
    [InlineData("twice", "marked twice")]
    public void Splice_RefusesBrokenMarkers_NamingTheSection(string broken, string message)
    {
        var document = broken switch
        {
            "end only" => "text\n" + ResultsDocument.End("gate") + "\n",
            "reversed" => ResultsDocument.End("gate") + "\n" + ResultsDocument.Begin("gate") + "\n",
            _ => Document("a\n") + Document("b\n"),
        };
        var error = Assert.Throws<OptionException>(() => ResultsDocument.Splice(document, ["gate"], _ => Generated));
        Assert.Contains("'gate'", error.Message);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void ResultsCommand_RegeneratesTheFile_FromResultsFolder()
    {
        var file = Path.Combine(_folder, "RESULTS.md");
        File.WriteAllText(file, Document("old\n"));
        Directory.CreateDirectory(Path.Combine(_folder, "results", "gate"));
        File.WriteAllText(Path.Combine(_folder, "results", "gate", "gate.md"), Generated);

        var (code, output, error) = InProcessCli.Run("results", "--file", file);

        Assert.True(code == 0, error);
        Assert.Contains("regenerated gate", output);
        Assert.Contains("![plot](results/gate/plot.svg)", File.ReadAllText(file));
        Assert.Contains("Note by hand.", File.ReadAllText(file));
    }

    [Fact]
    public void ResultsCommand_WithoutTheFile_IsAOneLineError()
    {
        var (code, _, error) = InProcessCli.Run("results", "--file", Path.Combine(_folder, "missing.md"));
        Assert.Equal(2, code);
        Assert.Contains("--file", error);
        Assert.DoesNotContain("   at ", error);
    }
}
