using System.Text.Json.Nodes;
using GenNeg.Reporting;
using GenNeg.Runs;
using static GenNeg.Tests.ReliabilityTests;

namespace GenNeg.Tests;

/// <summary>
/// Names and paths read from manifest.json are held to the rules names typed on the command line meet, so an edited
/// manifest cannot make a command read or write outside the run; and stage names reach report.md as text, not markup.
/// </summary>
public class ManifestValidationTests
{
    private static void EditBaseline(string run, Action<JsonObject> edit)
    {
        var path = Path.Combine(run, "manifest.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        edit(json["stages"]![0]!.AsObject());
        File.WriteAllText(path, json.ToJsonString());
    }

    [Theory]
    [InlineData("name", "../../escaped-{id}", "is named '../../escaped-{id}', which is not usable as a folder name")]
    [InlineData("name", "..", "is named '..', which is not usable as a folder name")]
    [InlineData("name", "a/b", "is named 'a/b', which is not usable as a folder name")]
    [InlineData("denoiser", "../../../denoiser.bin", "'../../../denoiser.bin', is not a path inside the run folder")]
    [InlineData("denoiser", "/etc/passwd", "'/etc/passwd', is not a path inside the run folder")]
    [InlineData("denoiser", "baseline/../../x.bin", "'baseline/../../x.bin', is not a path inside the run folder")]
    public void A_manifest_naming_places_outside_the_run_is_refused(string field, string value, string expected)
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        // Where the escaping name points: beside the folder all tests share, unique to this test.
        var id = Guid.NewGuid().ToString("N");
        (value, expected) = (value.Replace("{id}", id), expected.Replace("{id}", id));
        var escaped = Path.Combine(Path.GetDirectoryName(folder.Path)!, $"escaped-{id}");
        EditBaseline(run, stage => stage[field] = value);

        var evaluate = ReliabilityTests.Cli("evaluate", "--run", run);
        Assert.Equal(2, evaluate.Code);
        var line = ErrorLine(evaluate.Error);
        Assert.StartsWith($"error: '{Path.Combine(run, "manifest.json")}' is corrupt: ", line);
        Assert.Contains(expected, line);
        Assert.False(Directory.Exists(escaped));
    }

    [Fact]
    public void Stage_names_reach_report_md_as_text_not_html()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        const string name = "<img src=x onerror=alert(1)>";
        var row = new ReportRow(name, 0, 10, 0.5, 0.1, -3, 0.1, 5, 30, 2);
        var markdown = RunReport.Write(RunFolder.Open(run), new RunReportData(1e-9, 64, "ELBO", [row]), RunFolder.Open(run).LoadConfig(TestConfig.Schema), Registries.CreateDefault());

        Assert.DoesNotContain("<img", markdown);
        Assert.Contains("| &lt;img src=x onerror=alert(1)&gt; |", markdown);
        Assert.Equal(markdown, File.ReadAllText(Path.Combine(run, RunReport.MarkdownFile)));
        Assert.Equal(@"a\|b \*c\* &amp; \_d\_", RunReport.MarkdownText("a|b *c* & _d_"));
    }
}
