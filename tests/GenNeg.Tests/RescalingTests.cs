using GenNeg.Configuration;
using GenNeg.Guidance;
using GenNeg.Runs;
using GenNeg.Workflows;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace GenNeg.Tests;

public class RescalingTests
{
    /// <summary>A tiny baseline and a stage "guided" stacking one random classifier on it at scale 1.</summary>
    private static (string Run, Registries Registries) GuidedRun(TempFolder folder)
    {
        var run = folder.Combine("run");
        var config = TestConfig.Parse(TinyRun.Yaml, ["train.iterations=30"]);
        var registries = Registries.CreateDefault();
        new BaselineTraining(NullLoggerFactory.Instance, registries).Run(new BaselineTrainingRequest(config, run, Resume: false));
        var runFolder = RunFolder.Open(run);
        runFolder.EnsureFolder("guided");
        using (var classifier = TestModels.Classifier(config.Model, 2, 5))
        {
            // Its output layer starts at zero (no guidance); random weights give it a gradient.
            using var generator = new Generator(11);
            using (no_grad())
                foreach (var parameter in classifier.parameters()) parameter.add_(randn(parameter.shape, generator: generator) * 0.3);
            ModelFiles.Save(classifier, runFolder.PathOf("guided/classifier.bin"));
        }
        var entry = new ClassifierRecord("guided/classifier.bin", 0.5, 2, 1, 1, 1, 1, "none", false, 5, 0, 0);
        runFolder.RecordStage(new StageRecord("guided", BaselineTraining.DenoiserFile, [entry]));
        return (run, registries);
    }

    [Fact]
    public void A_rescaled_stage_samples_with_the_same_networks_at_the_new_scale()
    {
        using var folder = new TempFolder();
        var (run, registries) = GuidedRun(folder);
        var rescaling = new Rescaling(NullLoggerFactory.Instance, registries);

        var (off, offMetrics) = rescaling.Run(new RescalingRequest(run, "guided", 0));
        var (strong, _) = rescaling.Run(new RescalingRequest(run, "guided", 3, Name: "strong"));
        var (_, fewer) = rescaling.Run(new RescalingRequest(run, "guided", 1, Samples: 300));
        var baseline = new Evaluation(NullLogger<Evaluation>.Instance, registries).Run(new EvaluationRequest(run, "baseline"));

        Assert.Equal("rescaled-guided-x0", off.Name);
        Assert.Equal(500, offMetrics.Samples);
        Assert.Equal(300, fewer.Samples);
        var guided = RunFolder.Open(run).Stage("guided");
        Assert.Equal(guided.Classifiers, off.Classifiers);
        Assert.Equal(0, RunFolder.Open(run).Stage("rescaled-guided-x0").GuidanceScale);
        Assert.Equal(3, RunFolder.Open(run).Stage("strong").GuidanceScale);
        Assert.Equal(3, RunFolder.Open(run).ConfigOf(strong, TestConfig.Schema).Genneg.GuidanceScale);
        Assert.Equal("rescaled-guided-x1", RunFolder.Open(run).LoadManifest().Latest.Name);
        // At scale 0 the stack adds nothing: the same evaluation noise gives the baseline's samples, to the bit.
        var baselineSamples = File.ReadAllText(Path.Combine(run, EvaluationSamples.CsvFile("baseline")));
        Assert.Equal(baselineSamples, File.ReadAllText(Path.Combine(run, EvaluationSamples.CsvFile("rescaled-guided-x0"))));
        Assert.Equal(baseline.InfractionRate, offMetrics.InfractionRate);
        Assert.Equal(baseline.Mmd, offMetrics.Mmd);
        // At scale 3 the classifier's gradient moves them.
        Assert.NotEqual(baselineSamples, File.ReadAllText(Path.Combine(run, EvaluationSamples.CsvFile("strong"))));
        Assert.Equal(offMetrics.InfractionRate, StageMetrics.Recorded(RunFolder.Open(run))["rescaled-guided-x0"].InfractionRate);
    }

    [Fact]
    public void Rescale_refuses_bad_requests_in_one_line_and_leaves_the_run_as_it_was()
    {
        using var folder = new TempFolder();
        var (run, _) = GuidedRun(folder);
        var manifest = File.ReadAllText(Path.Combine(run, "manifest.json"));
        // Every writing command leaves its log lines (log.txt) and its lock file in the run; nothing else may change.
        List<string> Entries() => [.. Directory.GetFileSystemEntries(run).Select(e => Path.GetFileName(e)!).Where(e => e is not ("log.txt" or RunLock.LockFile)).Order()];
        var entries = Entries();

        void Refused(string expected, params string[] options)
        {
            var (code, _, error) = CliTests.Run(["rescale", "--run", run, .. options]);
            Assert.Equal(2, code);
            Assert.Equal("error: " + expected, Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries)).TrimEnd());
        }

        Refused("stage 'baseline' has no classifiers, so its guidance scale changes nothing; name a stage with classifiers with --stage",
            "--stage", "baseline", "--guidance-scale", "2");
        Refused($"run folder '{run}' already has a stage 'guided'; give another --name", "--guidance-scale", "2", "--name", "guided");
        Refused("--guidance-scale must be a number of at least 0, got -1", "--guidance-scale", "-1");
        Refused("--name must not start with 'genneg-', which iterate and distill number their stages with; got 'genneg-7'",
            "--guidance-scale", "2", "--name", "genneg-7");
        Refused("the number of samples must be at least 1, got 0", "--guidance-scale", "2", "--samples", "0");
        Refused("--name must be usable as a folder name, got '../elsewhere'", "--guidance-scale", "2", "--name", "../elsewhere");
        Refused($"run folder '{run}' has no stage 'genneg-9'; stages: baseline, guided", "--stage", "genneg-9", "--guidance-scale", "2");
        Assert.Equal(2, CliTests.Run("rescale", "--run", run).Code);

        Assert.Equal(manifest, File.ReadAllText(Path.Combine(run, "manifest.json")));
        Assert.Equal(entries, Entries());
    }
}
