using System.Text.Json.Nodes;
using GenNeg.Cli;
using GenNeg.Configuration;
using GenNeg.Diffusion;
using GenNeg.Reporting;
using GenNeg.Runs;
using GenNeg.Training;
using GenNeg.Workflows;
using static TorchSharp.torch;

namespace GenNeg.Tests;

/// <summary>Reliability: one writer per run folder, stage order, divergence, failed iterations, checksums, clear failures.</summary>
public class ReliabilityTests
{
    /// <summary>TinyRun plus settings for quick iterations.</summary>
    internal const string Yaml = TinyRun.Yaml + """

        genneg: { per_class: 50, min_per_class: 10, draw_batch_size: 200, max_draws: 2000, classifier: { iterations: 20, batch_size: 64, checkpoint_every: 10 } }
        """;

    internal static (int Code, string Output, string Error) Cli(params string[] args) => Cli(default, args);

    internal static (int Code, string Output, string Error) Cli(CancellationToken cancellation, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = GenNegCli.Run(args, output, error, interactive: false, cancellation);
        return (code, output.ToString(), error.ToString());
    }

    internal static string ErrorLine(string error) =>
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => line.StartsWith("error: ", StringComparison.Ordinal));

    /// <summary>A run folder with a trained tiny baseline.</summary>
    internal static string TrainedRun(TempFolder folder, params string[] overrides)
    {
        var run = folder.Combine("run");
        var config = TinyRun.WriteConfig(folder, Yaml);
        var train = Cli(["train-baseline", "--config", config, "--run", run, "--set", "train.iterations=20", .. overrides.SelectMany(o => new[] { "--set", o })]);
        Assert.True(train.Code == 0, train.Error);
        return run;
    }

    /// <summary>Records a stage "genneg-1" with an untrained classifier (no drawing or training: the tests need its shape only).</summary>
    internal static void RecordFakeIteration(string runPath, string name = "genneg-1")
    {
        var run = RunFolder.Open(runPath);
        var config = run.LoadConfig(TestConfig.Schema);
        run.EnsureFolder(name);
        using (var classifier = TestModels.Classifier(config.Model, 2, 5)) ModelFiles.Save(classifier, run.PathOf($"{name}/classifier.bin"));
        var record = new ClassifierRecord($"{name}/classifier.bin", 0.9, 100, 90, 10, 10, 10, "none", false, 5, 0, 0);
        run.RecordStage(new StageRecord(name, BaselineTraining.DenoiserFile, [record]));
    }

    // ---- 1. One writer per run folder ----

    [Fact]
    public void A_second_writer_is_refused_naming_the_holder_while_readers_run_beside_it()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        using (RunLock.Acquire(run, "genneg iterate --run R"))
        {
            var second = Cli("iterate", "--run", run, "--set", "genneg.ablation=no_importance_weights");
            Assert.Equal(2, second.Code);
            Assert.Equal($"error: run folder '{run}' is in use by 'genneg iterate --run R' (process {Environment.ProcessId}); " +
                "wait for it to finish or stop it (read-only commands such as stages and sample may run meanwhile)", ErrorLine(second.Error));
            Assert.False(Directory.Exists(Path.Combine(run, "genneg-1")));
            foreach (var writer in new[] { new[] { "evaluate", "--run", run }, ["train-baseline", "--run", run, "--resume"], ["distill", "--run", run] })
                Assert.Equal(2, Cli(writer).Code);

            Assert.Equal(0, Cli("stages", "--run", run).Code);
            var sample = Cli("sample", "--run", run, "-n", "10", "--out", folder.Combine("s.csv"));
            Assert.True(sample.Code == 0, sample.Error);
        }
        // Released: the next writer gets in.
        var evaluate = Cli("evaluate", "--run", run);
        Assert.True(evaluate.Code == 0, evaluate.Error);
    }

    [Fact]
    public void A_writer_refused_before_work_leaves_no_new_folder_behind()
    {
        using var folder = new TempFolder();
        var run = folder.Combine("new-run");
        var result = Cli("train-baseline", "--config", TinyRun.WriteConfig(folder, Yaml), "--run", run, "--set", "oracle=nosuch");
        Assert.Equal(2, result.Code);
        Assert.False(Directory.Exists(run));
    }

    // ---- 2. Stage order does not depend on the order of writes ----

    [Fact]
    public void Retraining_a_finished_baseline_keeps_the_newest_stage_newest()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        RecordFakeIteration(run);
        var resume = Cli("train-baseline", "--run", run, "--resume");
        Assert.True(resume.Code == 0, resume.Error);

        var manifest = RunFolder.Open(run).LoadManifest();
        Assert.Equal("genneg-1", manifest.Latest.Name);
        Assert.Equal("genneg-1", RunFolder.Open(run).Stage(null).Name);
        Assert.Equal([1, 2], manifest.Stages.Select(s => s.Sequence));
    }

    [Fact]
    public void Manifests_without_sequence_numbers_keep_their_listed_order()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        RecordFakeIteration(run);
        var path = Path.Combine(run, "manifest.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        foreach (var stage in json["stages"]!.AsArray()) stage!.AsObject().Remove("sequence");
        File.WriteAllText(path, json.ToJsonString());

        var manifest = RunFolder.Open(run).LoadManifest();
        Assert.Equal("genneg-1", manifest.Latest.Name);
        var rewritten = manifest.WithStage(manifest.Find("baseline")!);
        Assert.Equal("genneg-1", rewritten.Latest.Name);
        Assert.Equal(["baseline", "genneg-1"], rewritten.Stages.Select(s => s.Name));
    }

    // ---- 3. Divergence ----

    [Fact]
    public void A_non_finite_loss_stops_training_naming_the_step_and_keeps_the_last_good_checkpoint()
    {
        using var folder = new TempFolder();
        var checkpoint = folder.Combine("training.ckpt");
        using var model = nn.Linear(2, 1);
        using var generator = new Generator(1);
        var calls = 0;
        Tensor StepLoss(Generator g)
        {
            calls++;
            var loss = model.forward(ones(4, 2)).square().mean();
            return calls >= 30 ? loss * double.NaN : loss;
        }

        var options = new TrainingOptions(100, 1e-3, 0, 0, 10, "genneg.classifier");
        var error = Assert.Throws<TrainingDivergedException>(() =>
            new TrainingLoop(Microsoft.Extensions.Logging.Abstractions.NullLogger<TrainingLoop>.Instance).Run(model, null, StepLoss, options, checkpoint, generator));

        Assert.Equal($"training diverged at step 30 of 100: the loss became NaN; lower genneg.classifier.learning_rate (now 0.001) and train again; " +
            $"the last good checkpoint (step 20) is kept in '{checkpoint}'; no stage was recorded", error.Message);
        using var reader = new BinaryReader(File.OpenRead(checkpoint));
        reader.ReadString();
        Assert.Equal(20, reader.ReadInt32());
        using var saved = nn.Linear(2, 1);
        saved.load(reader);
        Assert.All(saved.parameters(), p => Assert.True(p.isfinite().all().item<bool>()));
    }

    [Fact]
    public void A_diverging_baseline_exits_with_one_line_and_records_no_stage()
    {
        using var folder = new TempFolder();
        var run = folder.Combine("run");
        var result = Cli("train-baseline", "--config", TinyRun.WriteConfig(folder, Yaml), "--run", run, "--set", "train.learning_rate=1e6");
        Assert.Equal(2, result.Code);
        Assert.Matches(@"^error: training diverged at step \d+ of 60: .*lower train\.learning_rate \(now 1E\+06\) and run train-baseline again with the same --run \(this attempt's files were removed\)$", ErrorLine(result.Error));
        Assert.False(File.Exists(Path.Combine(run, "manifest.json")));
        Assert.False(File.Exists(Path.Combine(run, BaselineTraining.DenoiserFile)));
    }

    [Fact]
    public void Non_finite_weights_samples_and_figures_are_refused_not_written()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        var runFolder = RunFolder.Open(run);

        // A figure: metrics.json stays valid JSON and names no NaN.
        var metrics = new StageMetrics("baseline", 0, 10, 0.5, double.NaN, -3, 0.1, 10, 8, 1, 1);
        var figure = Assert.Throws<GenNegException>(() => runFolder.RecordMetrics("baseline", metrics));
        Assert.StartsWith("stage 'baseline': figure 'mmd' is NaN (not a finite number)", figure.Message);
        Assert.False(File.Exists(runFolder.MetricsPath));

        // A sample: no CSV, no temporary file.
        var csv = folder.Combine("nan.csv");
        using (var writer = SampleCsvWriter.Create(csv, 2))
        {
            using var samples = tensor(new[] { 1f, 2f, float.NaN, 0f }).reshape(2, 2);
            Assert.Throws<GenNegException>(() => writer.Append(samples, [true, false]));
        }
        Assert.Empty(Directory.GetFiles(folder.Path, "*nan.csv*", SearchOption.AllDirectories));

        // Weights: a model file full of NaN (what a diverged run used to save) is refused at load.
        var config = runFolder.LoadConfig(TestConfig.Schema);
        using (var broken = TestModels.Denoiser(config.Model, 2, 1))
        {
            using (no_grad()) foreach (var p in broken.parameters()) p.fill_(double.NaN);
            ModelFiles.Save(broken, runFolder.PathOf(BaselineTraining.DenoiserFile));
        }
        var manifest = runFolder.LoadManifest();
        runFolder.SaveManifest(manifest with { Checksums = new Dictionary<string, string>() });
        var sample = Cli("sample", "--run", run, "-n", "10", "--out", folder.Combine("s.csv"));
        Assert.Equal(2, sample.Code);
        Assert.Contains("holds NaN or infinite weights", ErrorLine(sample.Error));
        Assert.False(File.Exists(folder.Combine("s.csv")));
    }

    [Fact]
    public void A_report_with_an_infinite_figure_is_refused_naming_it()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        var row = new ReportRow("baseline", 0, 10, 0.5, 0.1, double.NegativeInfinity, 0.1, 5, 30, 2);
        var error = Assert.Throws<GenNegException>(() => RunReport.Write(RunFolder.Open(run), new RunReportData(1e-9, 64, "ELBO", [row]), RunFolder.Open(run).LoadConfig(TestConfig.Schema), Registries.CreateDefault()));
        Assert.StartsWith("report: figure 'rows[0].elbo' is ", error.Message);
        Assert.False(File.Exists(Path.Combine(run, RunReport.JsonFile)));
    }

    [Fact]
    public void A_stage_whose_samples_are_all_invalid_is_reported_as_never_giving_a_valid_one()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        var rate = 1.0;
        var row = new ReportRow("baseline", 0, 10, rate, 0.1, -3, 0.1, 5,
            DeploymentArithmetic.ParallelSamplesForOneValid(rate, 1e-9), DeploymentArithmetic.ExpectedRunsPerValid(rate));
        var markdown = RunReport.Write(RunFolder.Open(run), new RunReportData(1e-9, 64, "ELBO", [row]), RunFolder.Open(run).LoadConfig(TestConfig.Schema), Registries.CreateDefault());
        Assert.Contains("| never | never |", markdown);
        var written = JsonNode.Parse(File.ReadAllText(Path.Combine(run, RunReport.JsonFile)))!;
        Assert.Equal(0.1, written["rows"]![0]!["mmd"]!.GetValue<double>());
        Assert.Null(written["rows"]![0]!["expected_runs_per_valid"]);
    }

    // ---- 4. Failed iterations do not stick ----

    [Fact]
    public void An_iteration_refused_before_any_work_leaves_nothing_behind()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        var result = Cli("iterate", "--run", run, "--oracle", "nosuch");
        Assert.Equal("error: unknown oracle 'nosuch'; known oracles: checkerboard, external, ground_penetration, traffic", ErrorLine(result.Error));
        Assert.False(Directory.Exists(Path.Combine(run, "genneg-1")));
        var stage = Cli("iterate", "--run", run, "--stage", "nosuch");
        Assert.Equal(2, stage.Code);
        Assert.False(Directory.Exists(Path.Combine(run, "genneg-1")));
    }

    [Fact]
    public void A_draw_cap_failure_resumes_with_a_raised_cap_and_an_unfinished_iteration_can_be_discarded()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        var capped = Cli("iterate", "--run", run, "--set", "genneg.max_draws=100", "--set", "genneg.min_per_class=50");
        Assert.Equal(2, capped.Code);
        Assert.Contains("raise genneg.max_draws", ErrorLine(capped.Error));
        Assert.True(File.Exists(Path.Combine(run, "genneg-1", "draws.bin")));

        // Another stage than the one the unfinished iteration builds on: refused, not silently ignored.
        var elsewhere = Cli("iterate", "--run", run, "--stage", "nosuch");
        Assert.Equal(2, elsewhere.Code);
        RecordFakeIteration(run, "other");
        var other = Cli("iterate", "--run", run, "--stage", "other");
        Assert.StartsWith("error: 'genneg-1' is an unfinished iteration on stage 'baseline', not 'other'", ErrorLine(other.Error));
        // A setting that changes what is drawn: refused, naming it.
        var changed = Cli("iterate", "--run", run, "--set", "genneg.ablation=imbalanced");
        Assert.StartsWith("error: 'genneg-1' was started with other settings ('ablation: none' there, 'ablation: imbalanced' now)", ErrorLine(changed.Error));

        // Following the error's advice works.
        var raised = Cli("iterate", "--run", run, "--set", "genneg.max_draws=2000");
        Assert.True(raised.Code == 0, raised.Error);
        Assert.Contains("max_draws: 2000", File.ReadAllText(Path.Combine(run, "genneg-1", "config.yaml")));
        // Built on baseline, where it started, not on the newer stage "other" (which has a classifier of its own).
        Assert.Single(RunFolder.Open(run).LoadManifest().Find("genneg-1")!.Classifiers);

        // A second failed attempt, discarded: the folder goes and the next iterate starts afresh.
        Assert.Equal(2, Cli("iterate", "--run", run, "--set", "genneg.max_draws=100", "--set", "genneg.min_per_class=50").Code);
        Assert.True(Directory.Exists(Path.Combine(run, "genneg-2")));
        var discard = Cli("iterate", "--run", run, "--discard");
        Assert.True(discard.Code == 0, discard.Error);
        Assert.Equal("discarded the unfinished iteration 'genneg-2'", discard.Output.Trim());
        Assert.False(Directory.Exists(Path.Combine(run, "genneg-2")));
        Assert.Equal("no unfinished iteration to discard", Cli("iterate", "--run", run, "--discard").Output.Trim());
    }

    // ---- 5. Checksums ----

    [Fact]
    public void A_damaged_model_file_is_caught_at_load_naming_it()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        var path = Path.Combine(run, BaselineTraining.DenoiserFile);
        Assert.StartsWith("sha256:", RunFolder.Open(run).LoadManifest().Checksums[BaselineTraining.DenoiserFile]);
        var bytes = File.ReadAllBytes(path);
        for (var i = bytes.Length / 2; i < bytes.Length / 2 + 16; i++) bytes[i] ^= 0x5A;
        File.WriteAllBytes(path, bytes);

        foreach (var command in new[] { new[] { "sample", "--run", run, "-n", "10" }, ["evaluate", "--run", run] })
        {
            var result = Cli(command);
            Assert.Equal(2, result.Code);
            Assert.Equal($"error: model file '{path}' is damaged: its checksum differs from the one in manifest.json; " +
                "restore it from a backup or train that stage again", ErrorLine(result.Error));
        }
    }

    // ---- Failures that say what and where ----

    [Fact]
    public void A_log_file_that_cannot_be_written_never_fails_the_command()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        var log = Path.Combine(run, "log.txt");
        File.Delete(log);
        File.CreateSymbolicLink(log, "/dev/full");   // every write fails: no space left on device

        var sample = Cli("sample", "--run", run, "-n", "10", "--out", folder.Combine("s.csv"));
        Assert.True(sample.Code == 0, sample.Error);
        var warning = Assert.Single(sample.Error.Split('\n'), line => line.StartsWith("warning: cannot write to log file", StringComparison.Ordinal));
        Assert.Contains(log, warning);
        Assert.Equal(11, File.ReadAllLines(folder.Combine("s.csv")).Length);

        File.Delete(log);
        Directory.CreateDirectory(log);   // cannot even be opened
        Assert.Equal(0, Cli("sample", "--run", run, "-n", "10").Code);
    }

    [Fact]
    public void A_full_disk_gets_one_line_naming_the_file()
    {
        using var folder = new TempFolder();
        var error = Assert.Throws<GenNegException>(() => AtomicFile.Write(folder.Combine("x.bin"), _ => throw new IOException("No space left on device")));
        Assert.Equal($"cannot write '{folder.Combine("x.bin")}': No space left on device", error.Message);
        Assert.Empty(Directory.GetFiles(folder.Path));
    }

    [Theory]
    [InlineData("""{ "format": 1, "stages": [ { "name": "baseline", "classifiers": [] } ] }""", "is corrupt: stage 'baseline' has no 'denoiser'")]
    [InlineData("""{ "format": 1, "stages": null }""", "is corrupt: 'stages' is missing or null")]
    [InlineData("""{ "format": 1, "stages": [ { "name": "baseline", "denoiser": "baseline/denoiser.bin", "classifiers": [ { "alpha": 1 } ] } ] }""", "is corrupt: classifier 1 of stage 'baseline' has no 'weights'")]
    [InlineData("""{ "format": 99, "stages": [] }""", "has manifest format 99, newer than this genneg reads (up to 2)")]
    [InlineData("""{ "format": 1, "stages": [ """, "is not a valid manifest")]
    public void A_corrupt_manifest_is_named_with_what_is_wrong(string json, string expected)
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        var manifest = Path.Combine(run, "manifest.json");
        File.WriteAllText(manifest, json);
        foreach (var command in new[] { "stages", "evaluate" })
        {
            var result = Cli(command, "--run", run);
            Assert.Equal(2, result.Code);
            Assert.StartsWith($"error: '{manifest}' {expected}", ErrorLine(result.Error));
        }
    }

    [Theory]
    [InlineData("""{ "baseline": { "infraction_rate": 0.1, "mm""")]
    [InlineData("""{ "baseline": { "infraction_rate": "high" } }""")]
    [InlineData("""[1, 2]""")]
    public void A_truncated_or_wrongly_typed_metrics_file_is_named(string json)
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        var metrics = Path.Combine(run, "metrics.json");
        File.WriteAllText(metrics, json);
        var result = Cli("stages", "--run", run);
        Assert.Equal(2, result.Code);
        Assert.StartsWith($"error: '{metrics}' is not a valid metrics file", ErrorLine(result.Error));
    }

    [Theory]
    [InlineData("train:\n  iterations: [1, 2\nsampler: { steps: 3 }\n", "bad.yaml: malformed YAML at line 2, column 15: '[' is never closed")]
    [InlineData("seed: 3\ntrain:\n\titerations: 2\n", "bad.yaml: malformed YAML at line 3, column 1: a tab character; YAML indents with spaces only")]
    [InlineData("seed: 3\ntrain:\n  iterations: 2\n\tbatch_size: 3\n", "bad.yaml: malformed YAML at line 4, column 1: a tab character; YAML indents with spaces only")]
    [InlineData("# only a comment\n", "config file '{0}' is empty (or only comments); start from one in configs/")]
    [InlineData("", "config file '{0}' is empty (or only comments); start from one in configs/")]
    [InlineData("trian: { iterations: 5 }\n", "unknown config key 'trian' (did you mean 'train'?)")]
    [InlineData("train: { Learning_Rate: 0.1 }\n", "unknown config key 'train.Learning_Rate' (did you mean 'train.learning_rate'?)")]
    [InlineData("Sampler: { steps: 5 }\n", "unknown config key 'Sampler' (did you mean 'sampler'?)")]
    public void Config_mistakes_are_one_line_at_the_right_place(string yaml, string expected)
    {
        using var folder = new TempFolder();
        var config = folder.Combine("bad.yaml");
        File.WriteAllText(config, yaml);
        var result = Cli("train-baseline", "--config", config, "--run", folder.Combine("run"));
        Assert.Equal(2, result.Code);
        Assert.Equal("error: " + string.Format(expected, config), ErrorLine(result.Error));
        Assert.False(Directory.Exists(folder.Combine("run")));
    }

    [Fact]
    public void Misspelled_commands_and_empty_run_paths_are_named()
    {
        var command = Cli("trian-baseline", "--config", "x.yaml");
        Assert.Equal(2, command.Code);
        Assert.Equal("error: unknown command 'trian-baseline' (did you mean 'train-baseline'?); see genneg --help", ErrorLine(command.Error));
        Assert.Equal("error: unknown command 'frobnicate'; see genneg --help", ErrorLine(Cli("frobnicate").Error));

        foreach (var name in new[] { "stages", "sample", "evaluate", "iterate", "distill" })
        {
            var result = Cli(name, "--run", "");
            Assert.Equal(2, result.Code);
            Assert.Equal("error: --run must name a folder, got an empty path", ErrorLine(result.Error));
        }
    }

    [Fact]
    public void Output_paths_that_are_folders_are_refused_before_any_work()
    {
        using var folder = new TempFolder();
        // The run folder does not even exist: the output paths are checked first.
        var missingRun = folder.Combine("none");
        Assert.Equal($"error: --out '{folder.Path}/' is a folder; give a file name, e.g. {folder.Path}/samples.csv",
            ErrorLine(Cli("sample", "--run", missingRun, "--out", folder.Path + "/").Error));
        Assert.Equal($"error: --plot '{folder.Path}' is a folder; give a file name, e.g. {folder.Path}/samples.png",
            ErrorLine(Cli("sample", "--run", missingRun, "--plot", folder.Path).Error));
    }

    [Fact]
    public void Sizes_that_cannot_fit_are_refused_before_allocating_and_samples_are_written_in_batches()
    {
        using var folder = new TempFolder();
        var config = TinyRun.WriteConfig(folder, Yaml);
        var huge = Cli("train-baseline", "--config", config, "--run", folder.Combine("huge"), "--set", "model.hidden=2000000000");
        Assert.Equal(2, huge.Code);
        Assert.Matches(@"^error: a model with model\.hidden = 2,000,000,000 and model\.blocks = 1 needs at least .* of memory, more than the .* available; lower model\.hidden$",
            ErrorLine(huge.Error));

        var run = TrainedRun(folder);
        var tooMany = Cli("sample", "--run", run, "-n", "999999999999999", "--out", folder.Combine("all.csv"));
        Assert.Equal(2, tooMany.Code);
        Assert.Contains("free for", ErrorLine(tooMany.Error));

        // 1,000 samples in batches of 400 (sampler.batch_size): every row written, no temporary file left.
        var csv = folder.Combine("s.csv");
        var sample = Cli("sample", "--run", run, "-n", "1000", "--out", csv);
        Assert.True(sample.Code == 0, sample.Error);
        Assert.Equal(1001, File.ReadAllLines(csv).Length);
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp"));
    }

    [Theory]
    [InlineData(59, "00:59")]
    [InlineData(3 * 3600 + 4 * 60 + 5, "3:04:05")]
    [InlineData(50 * 3600 + 7, "50:00:07")]
    public void Progress_durations_keep_their_hours(int seconds, string expected) =>
        Assert.Equal(expected, GenNeg.Cli.Console.ProgressDisplay.Duration(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Interrupt_messages_say_what_is_true_for_each_command()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        RecordFakeIteration(run);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        string Interrupted(params string[] args)
        {
            var result = Cli(cancelled.Token, args);
            Assert.Equal(130, result.Code);
            return Assert.Single(result.Error.Split('\n'), line => line.StartsWith("interrupted: ", StringComparison.Ordinal));
        }

        Assert.Contains("--resume", Interrupted("train-baseline", "--config", TinyRun.WriteConfig(folder, Yaml), "--run", folder.Combine("fresh")));
        foreach (var command in new[] { "iterate", "distill" })
        {
            var message = Interrupted(command, "--run", run);
            Assert.DoesNotContain("--resume", message);
            Assert.Contains($"run {command} again", message);
        }
        Assert.DoesNotContain("--resume", Interrupted("pipeline", TinyRun.WriteConfig(folder, Yaml), "--run", folder.Combine("p")));
        foreach (var command in new[] { new[] { "sample", "--run", run, "-n", "10", "--out", folder.Combine("s.csv") }, ["evaluate", "--run", run] })
        {
            var message = Interrupted(command);
            Assert.DoesNotContain("--resume", message);
            Assert.DoesNotContain("saved", message);
        }
        Assert.False(File.Exists(folder.Combine("s.csv")));
    }

    [Fact]
    public void Temporary_files_of_killed_writers_are_removed_by_the_next_writer()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        var foreign = Path.Combine(run, "baseline", ".training.ckpt.2147483000.tmp");   // not a name GenNeg writes
        var live = AtomicFile.TemporaryPath(Path.Combine(run, "baseline", "denoiser.bin"));
        var otherMachine = Path.Combine(run, "baseline", ".draws.bin.0badc0de-2147483000.tmp");   // a shard elsewhere
        var abandonedHere = AtomicFile.TemporaryPath(Path.Combine(run, "baseline", "x.bin")).Replace($"-{Environment.ProcessId}.", "-2147483000.");
        foreach (var file in new[] { foreign, live, otherMachine, abandonedHere }) File.WriteAllText(file, "half written");
        var evaluate = Cli("evaluate", "--run", run);
        Assert.True(evaluate.Code == 0, evaluate.Error);
        Assert.True(File.Exists(foreign));
        Assert.False(File.Exists(abandonedHere));
        Assert.True(File.Exists(live));
        Assert.True(File.Exists(otherMachine));
    }

    [Fact]
    public void Distilling_a_stage_without_classifiers_is_refused_and_leaves_nothing()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        var result = Cli("distill", "--run", run, "--stage", "baseline");
        Assert.Equal("error: stage 'baseline' has no classifiers, so distilling it would only copy its network; " +
            "run iterate first, or name a stage with classifiers with --stage", ErrorLine(result.Error));
        Assert.False(Directory.Exists(Path.Combine(run, "distilled-1")));
    }
}
