using System.Text;
using System.Text.Json;
using GenNeg.Reporting;
using GenNeg.Runs;
using GenNeg.Reporting.TensorBoard;

namespace GenNeg.Tests;

public class TensorBoardTests
{
    [Fact]
    public void Independent_reader_checks_the_crc_against_the_published_check_value()
    {
        // CRC-32C("123456789") = 0xE3069283 (RFC 3720, B.4), masked as TFRecord does.
        const uint check = 0xE3069283u;
        Assert.Equal(((check >> 15) | (check << 17)) + 0xa282ead8u, EventFileReader.MaskedCrc32C(Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public void Log_writes_scalars_and_images_an_independent_reader_decodes()
    {
        using var folder = new TempFolder();
        var png = folder.Combine("scatter.png");
        File.WriteAllBytes(png, GenNeg.Domains.Checkerboard.CheckerboardScatterPlot.RenderPng([(0.5, 0.5, true), (-1.5, 0.5, false)], "two points", size: 120));
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var log = new TensorBoardLog(folder.Combine("tb"));
        log.Scalar("train/loss", 0.75, 25);
        log.Scalar("train/loss", 0.5, 50);
        log.Scalar("train/learning_rate", 1e-3, 50);
        log.Image("samples/baseline", png, 0);

        var file = Assert.Single(Directory.GetFiles(log.Folder, "events.out.tfevents.*"));
        var events = EventFileReader.Read(file);
        Assert.Equal("brain.Event:2", events[0].FileVersion);
        var values = events.Skip(1).SelectMany(e => e.Values.Select(v => (e.Step, e.WallTime, Value: v))).ToList();
        Assert.Equal(4, values.Count);
        Assert.Equal([("train/loss", 25L, 0.75f), ("train/loss", 50L, 0.5f), ("train/learning_rate", 50L, 1e-3f)],
            values.Where(v => v.Value.Scalar is not null).Select(v => (v.Value.Tag, v.Step, v.Value.Scalar!.Value)));
        Assert.All(values, v => Assert.InRange(v.WallTime, before - 1, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1));

        var image = values.Single(v => v.Value.Image is not null);
        Assert.Equal(("samples/baseline", 0L), (image.Value.Tag, image.Step));
        var picture = image.Value.Image!;
        Assert.Equal((120, 120), (picture.Height, picture.Width));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, picture.Encoded[..4]);
        // The PNG's IHDR holds width and height big-endian at bytes 16-23.
        Assert.Equal(120, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(picture.Encoded.AsSpan(16, 4)));
    }

    [Fact]
    public void Pipeline_logs_every_training_drawing_and_stage_to_tensorboard_and_writes_a_self_contained_html_report()
    {
        using var folder = new TempFolder();
        var config = TinyRun.WriteConfig(folder, TinyRun.PipelineYaml);
        var run = folder.Combine("run");
        var (code, _, error) = CliTests.Run("pipeline", config, "--run", run);
        Assert.True(code == 0, error);

        var board = Path.Combine(run, TensorBoardProgress.Folder);
        Assert.Equal(["baseline-training", "distilled-1-training", "genneg-1-classifier", "genneg-1-drawing", "stages"],
            Directory.GetDirectories(board).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        // Baseline: 60 steps, loss read every 25 and at the last step; the rate decays over the last 20 % (learning_rate_decay 0.2).
        var baseline = Values(board, "baseline-training");
        Assert.Equal([25L, 50L, 60L], baseline.Where(v => v.Tag == "train/loss").Select(v => v.Step));
        Assert.All(baseline.Where(v => v.Tag == "train/loss"), v => Assert.True(float.IsFinite(v.Scalar!.Value) && v.Scalar > 0));
        Assert.Equal([2e-3f, (float)(2e-3 * 11 / 12), (float)(2e-3 / 12)], baseline.Where(v => v.Tag == "train/learning_rate").Select(v => v.Scalar!.Value));
        Assert.All(baseline.Where(v => v.Tag == "train/steps_per_second"), v => Assert.True(v.Scalar > 0));

        // Drawing: counts against samples drawn, alpha = valid / drawn, ending where the iteration's record says.
        var drawing = Values(board, "genneg-1-drawing");
        var classifier = RunFolder.Open(run).LoadManifest().Stages.Single(s => s.Name == "genneg-1").Classifiers.Single();
        var last = drawing.Where(v => v.Step == drawing.Max(d => d.Step)).ToDictionary(v => v.Tag, v => v.Scalar!.Value);
        Assert.Equal(classifier.Drawn, (long)last["draw/drawn"]);
        Assert.Equal(classifier.PositivesDrawn, (long)last["draw/valid"]);
        Assert.Equal((float)classifier.Alpha, last["draw/alpha"], 1e-6f);
        Assert.Equal([25L, 30L], Values(board, "genneg-1-classifier").Where(v => v.Tag == "train/loss").Select(v => v.Step));

        // Stages: the report's figures against stage, its scatter pictures as images.
        var report = JsonSerializer.Deserialize<RunReportData>(File.ReadAllText(Path.Combine(run, RunReport.JsonFile)), RunManifest.Json)!;
        var stages = Values(board, "stages");
        Assert.Equal(report.Rows.Select(r => (float)r.InfractionRate), stages.Where(v => v.Tag == "stage/infraction_rate").OrderBy(v => v.Step).Select(v => v.Scalar!.Value));
        Assert.Equal(report.Rows.Select(r => (float)r.Mmd), stages.Where(v => v.Tag == "stage/mmd").OrderBy(v => v.Step).Select(v => v.Scalar!.Value));
        Assert.Equal(report.Rows.Select(r => (float)r.Elbo), stages.Where(v => v.Tag == "stage/elbo").OrderBy(v => v.Step).Select(v => v.Scalar!.Value));
        var samples = stages.Where(v => v.Tag == "samples").ToList();
        Assert.Equal([0L, 1L, 2L], samples.Select(v => v.Step));
        Assert.All(samples, v => Assert.Equal((800, 800), (v.Image!.Width, v.Image.Height)));
        Assert.Single(stages, v => v.Tag == "metrics" && v.Image is not null);

        // The HTML page: the table, every picture embedded, the resolved config; no link to another file.
        var html = File.ReadAllText(Path.Combine(run, RunReport.HtmlFile));
        Assert.Contains("<td>genneg-1</td><td>1</td>", html);
        Assert.Equal(4, html.Split("src=\"data:image/png;base64,").Length - 1);
        Assert.Contains("tensorboard:\n  enabled: true", html);
        Assert.DoesNotContain("src=\"report/", html);

        // Rebuilding the report replaces the stage log instead of adding to it.
        Assert.Equal(0, CliTests.Run("pipeline", config, "--run", run).Code);
        Assert.Single(Directory.GetFiles(Path.Combine(board, "stages"), "events.out.tfevents.*"));
    }

    [Fact]
    public void Tensorboard_enabled_false_writes_no_event_files()
    {
        using var folder = new TempFolder();
        var config = TinyRun.WriteConfig(folder);
        var run = folder.Combine("run");
        var (code, _, error) = CliTests.Run("train-baseline", "--config", config, "--run", run, "--set", "tensorboard.enabled=false", "--set", "train.iterations=30");
        Assert.True(code == 0, error);
        Assert.False(Directory.Exists(Path.Combine(run, TensorBoardProgress.Folder)));
    }

    /// <summary>Every summary value in a TensorBoard run folder's event files, with its step.</summary>
    private static List<(string Tag, long Step, float? Scalar, EventImage? Image)> Values(string board, string name) =>
        Directory.GetFiles(Path.Combine(board, name), "events.out.tfevents.*")
            .SelectMany(EventFileReader.Read)
            .SelectMany(e => e.Values.Select(v => (v.Tag, e.Step, v.Scalar, v.Image)))
            .ToList();
}
