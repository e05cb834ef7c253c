using GenNeg.Configuration;
using GenNeg.Tests.Traffic;

namespace GenNeg.Tests;

/// <summary>What the command line says about mistakes in its words, options and config files: one line, exit code 2, the right cause.</summary>
public class CommandLineMessageTests
{
    private static (int Code, string Output, string Error) Cli(params string[] args) => ReliabilityTests.Cli(args);

    private static string Refusal((int Code, string Output, string Error) result)
    {
        Assert.Equal(2, result.Code);
        return ReliabilityTests.ErrorLine(result.Error);
    }

    [Fact]
    public void A_misspelt_subcommand_is_named_with_the_one_meant()
    {
        using var folder = new TempFolder();
        Assert.Equal("error: unknown command 'previw' (did you mean 'preview'?); see genneg data --help",
            Refusal(Cli("data", "previw", "-c", TinyRun.WriteConfig(folder), "-o", folder.Combine("x.png"))));
        Assert.False(File.Exists(folder.Combine("x.png")));
    }

    [Theory]
    [InlineData("--shard", "abc", "a whole number")]
    [InlineData("--shards", "2.5", "a whole number")]
    public void An_unreadable_number_is_named_without_type_names(string option, string value, string expected)
    {
        string[] args = option == "--shard" ? ["draw", "-r", "x", "--shard", value, "--shards", "2"] : ["draw", "-r", "x", "--shard", "0", "--shards", value];
        Assert.Equal($"error: {option} must be {expected}, got '{value}' (see genneg draw --help)", Refusal(Cli(args)));
    }

    [Fact]
    public void A_number_option_of_another_command_reads_the_same_way()
    {
        using var folder = new TempFolder();
        Assert.Equal("error: --jitter must be a number, got 'lots' (see genneg data preview --help)",
            Refusal(Cli("data", "preview", "-c", TinyRun.WriteConfig(folder), "-o", folder.Combine("x.png"), "--jitter", "lots")));
    }

    [Fact]
    public void The_suggested_command_for_a_missing_evaluation_part_finishes_the_job()
    {
        using var folder = new TempFolder();
        var run = ReliabilityTests.TrainedRun(folder);
        Assert.Equal(0, Cli("evaluate", "-r", run, "--samples", "200", "--shard", "0", "--shards", "2").Code);
        var line = Refusal(Cli("evaluate", "-r", run, "--samples", "200", "--merge", "--shards", "2"));
        const string marker = "draw it with: genneg ";
        Assert.Contains(marker, line);
        var suggested = line[(line.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..].Split(' ');
        Assert.Equal(["--samples", "200"], suggested.SkipWhile(word => word != "--samples").Take(2));

        var followed = Cli(suggested);
        Assert.True(followed.Code == 0, followed.Error);
        Assert.Contains("200 samples, 2 parts", followed.Output);
    }

    [Fact]
    public void A_proposal_without_importance_sampling_is_refused()
    {
        using var folder = new TempFolder();
        var run = ReliabilityTests.TrainedRun(folder);
        Assert.Equal("error: --proposal applies only to --draw sis; add --draw sis or leave out --proposal",
            Refusal(Cli("iterate", "-r", run, "--proposal", "baseline")));
        Assert.False(Directory.Exists(Path.Combine(run, "genneg-1")));
    }

    [Fact]
    public void An_empty_output_path_is_one_line()
    {
        using var folder = new TempFolder();
        var config = TinyRun.WriteConfig(folder);
        Assert.Equal("error: --out must name a file, got an empty path", Refusal(Cli("data", "preview", "-c", config, "-o", "")));
        Assert.Equal("error: --out must name a file, got an empty path", Refusal(Cli("sample", "-r", folder.Combine("none"), "-o", "")));
        Assert.Equal("error: --plot must name a file, got an empty path", Refusal(Cli("sample", "-r", folder.Combine("none"), "--plot", "")));
    }

    [Fact]
    public void A_preview_into_a_folder_is_refused_before_the_data_is_made()
    {
        using var folder = new TempFolder();
        // The data set could not even be made (its sequence folder is missing): the output is checked first.
        var config = folder.Combine("motion.yaml");
        File.WriteAllText(config, $"oracle: ground_penetration\ndata: {{ name: motion, motion: {{ frames: 4, sequences: '{folder.Combine("missing")}' }} }}\n");
        Assert.Equal($"error: --out '{folder.Path}' is a folder; give a file name, e.g. {folder.Combine("preview.png")}",
            Refusal(Cli("data", "preview", "-c", config, "-o", folder.Path)));
    }

    [Fact]
    public void Jitter_that_overflows_writes_no_scenes()
    {
        using var folder = new TempFolder();
        var output = folder.Combine("export");
        Directory.CreateDirectory(output);
        var config = TinyRun.WriteConfig(folder, TrafficCliTests.TinyTraffic);
        Assert.Equal("error: a jitter of 1E+39 makes the samples overflow to infinity; lower --jitter",
            Refusal(Cli("data", "export", "-c", config, "-o", output, "--jitter", "1e39")));
        Assert.Empty(Directory.GetFileSystemEntries(output));
    }

    [Fact]
    public void An_absurd_guidance_scale_is_refused_and_leaves_no_folder()
    {
        using var folder = new TempFolder();
        var run = ReliabilityTests.TrainedRun(folder);
        ReliabilityTests.RecordFakeIteration(run);
        var before = Directory.GetFileSystemEntries(run).Order().ToArray();
        Assert.Equal("error: --guidance-scale must be at most 1,000 (1 is the method), got 1E+308",
            Refusal(Cli("rescale", "-r", run, "--guidance-scale", "1e308")));
        Assert.Equal(before, Directory.GetFileSystemEntries(run).Order().ToArray());
    }

    [Fact]
    public void A_config_file_of_megabytes_is_refused_by_its_size()
    {
        using var folder = new TempFolder();
        var bandwidths = string.Join(", ", Enumerable.Repeat("1.0", 300_000));
        var config = TinyRun.WriteConfig(folder, TinyRun.Yaml.Replace("evaluate: {", $"evaluate: {{ mmd_bandwidths: [{bandwidths}],"));
        Assert.Equal($"error: config file '{config}' is 1.5 MB; a config is at most 1 MB (those in configs/ are a few KB)",
            Refusal(Cli("data", "preview", "-c", config, "-o", folder.Combine("x.png"))));
    }

    [Fact]
    public void A_list_of_thousands_is_refused_naming_its_key()
    {
        var bandwidths = string.Join(", ", Enumerable.Repeat("1.0", 1_001));
        var error = Assert.Throws<GenNegException>(() => TestConfig.Parse(TinyRun.Yaml, [$"evaluate.mmd_bandwidths=[{bandwidths}]"]));
        Assert.Equal("config key 'evaluate.mmd_bandwidths' lists 1,001 numbers; at most 1,000", error.Message);
    }

    [Fact]
    public void A_huge_value_is_shortened_in_the_error()
    {
        using var folder = new TempFolder();
        var name = "x" + new string('y', 200_000) + "z";
        var config = TinyRun.WriteConfig(folder, TinyRun.Yaml.Replace("oracle: checkerboard", $"oracle: {name}"));
        var line = Refusal(Cli("train-baseline", "-c", config, "-r", folder.Combine("run")));
        Assert.True(line.Length < 400, $"{line.Length} characters");
        Assert.StartsWith("error: unknown oracle 'xyyy", line);
        Assert.Contains("yyz (200,002 characters)'; known oracles: ", line);
    }

    [Fact]
    public void Short_values_and_apostrophes_are_left_as_they_are()
    {
        var message = "can't read 'short.yaml' here; " + new string('a', 150);
        Assert.Equal(message, EchoedText.ShortenValues(message));
    }
}
