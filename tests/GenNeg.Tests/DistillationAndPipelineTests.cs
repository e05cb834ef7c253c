using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Formalisms;
using GenNeg.Guidance;
using GenNeg.Oracles;
using GenNeg.Pipelines;
using GenNeg.Reporting;
using GenNeg.Runs;
using GenNeg.Sampling;
using GenNeg.Training;
using GenNeg.Workflows;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace GenNeg.Tests;

public class DistillationAndPipelineTests
{
    private const string TinyPipeline = TinyRun.PipelineYaml;

    [Fact]
    public void Distillation_loss_is_the_edm_weight_times_the_squared_teacher_student_gap()
    {
        var noise = new LogUniformNoise(0.002, 80);
        var loss = new DistillationLoss(new EdmFormalism(new EdmPreconditioning(1.0), noise));
        using var x0 = tensor(new[] { 1f, -2f, 0.5f, 3f }).reshape(2, 2);
        using var generator = new Generator(21);
        using var value = loss.Compute(new ConstantDenoiser(0.5f), new ConstantDenoiser(-1f), x0, Condition.None, generator);

        using var replay = new Generator(21);
        using var sigma = noise.Sample(2, replay);
        var s = sigma.data<float>().ToArray();
        var actual = value.data<float>().ToArray();
        for (var i = 0; i < 4; i++)
        {
            var weight = (s[i / 2] * (double)s[i / 2] + 1) / (s[i / 2] * (double)s[i / 2]);
            Assert.Equal(weight * 1.5 * 1.5, actual[i], weight * 1e-5);
        }
    }

    [Fact]
    public void A_student_distilled_from_a_teacher_with_zero_guidance_reproduces_the_teacher()
    {
        using var folder = new TempFolder();
        var run = folder.Combine("run");
        var config = TestConfig.Parse(TinyPipeline, ["train.iterations=30"]);
        var registries = Registries.CreateDefault();
        new BaselineTraining(NullLoggerFactory.Instance, registries).Run(new BaselineTrainingRequest(config, run, Resume: false));
        // A stack whose guidance scale is 0 samples exactly like its base network (distilling a stage without any
        // classifier is refused as pointless).
        var runFolder = RunFolder.Open(run);
        runFolder.EnsureFolder("unguided");
        using (var classifier = TestModels.Classifier(config.Model, 2, 5)) ModelFiles.Save(classifier, runFolder.PathOf("unguided/classifier.bin"));
        var unguided = new ClassifierRecord("unguided/classifier.bin", 0.5, 2, 1, 1, 1, 1, "none", false, 5, 0, 0);
        runFolder.RecordStage(new StageRecord("unguided", BaselineTraining.DenoiserFile, [unguided], GuidanceScale: 0));

        var (stage, metrics) = new Distillation(NullLoggerFactory.Instance, registries).Run(new DistillationRequest(run, "unguided"));

        Assert.Equal("distilled-1", stage.Name);
        Assert.Empty(stage.Classifiers);
        // The teacher's gap is zero up to rounding; Adam rescales rounding-sized gradients, so compare functions, not bits.
        using var teacher = ModelFiles.Load(TestModels.Denoiser(config.Model, 2, 0), Path.Combine(run, BaselineTraining.DenoiserFile));
        using var student = ModelFiles.Load(TestModels.Denoiser(config.Model, 2, 0), Path.Combine(run, stage.Denoiser));
        using var generator = new Generator(3);
        using var noGrad = no_grad();
        foreach (var level in new[] { 0.01f, 0.1f, 1f, 10f })
        {
            using var x = randn([500, 2], generator: generator) * (2 + level);
            using var sigma = tensor(new[] { level });
            using var gap = (teacher.Denoise(x, sigma, Condition.None) - student.Denoise(x, sigma, Condition.None)).abs().max();
            Assert.True(gap.item<float>() < 1e-4, $"sigma {level}: gap {gap.item<float>()}");
        }
        Assert.Equal(Recount.InfractionRate(run, "distilled-1"), metrics.InfractionRate, 12);
    }

    [Theory]
    [InlineData(0.1, 1e-9, 9L)]        // 0.1^9 = 1e-9 exactly
    [InlineData(0.5, 0.01, 7L)]        // log 0.01 / log 0.5 = 6.64
    [InlineData(0.0575, 1e-9, 8L)]     // the paper's baseline rate: 7.26 -> 8
    [InlineData(0.0, 1e-9, 1L)]
    [InlineData(0.9999, 0.5, 6932L)]
    public void Deployment_arithmetic_counts_parallel_samples(double infractionRate, double delta, long expected)
    {
        Assert.Equal(expected, DeploymentArithmetic.ParallelSamplesForOneValid(infractionRate, delta));
    }

    [Fact]
    public void Deployment_arithmetic_edges()
    {
        Assert.Null(DeploymentArithmetic.ParallelSamplesForOneValid(1.0, 1e-9));
        Assert.Equal(1.25, DeploymentArithmetic.ExpectedRunsPerValid(0.2)!.Value, 12);
        Assert.Null(DeploymentArithmetic.ExpectedRunsPerValid(1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => DeploymentArithmetic.ParallelSamplesForOneValid(0.1, 0));
        // The paper's Table 4 on traffic: 32 ms unguided, 86 and 138 ms with one and two classifiers.
        Assert.Equal(54.0 / 32, DeploymentArithmetic.ClassifierStepCost(86, 32, 1), 12);
        Assert.Equal(106.0 / 64, DeploymentArithmetic.ClassifierStepCost(138, 32, 2), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => DeploymentArithmetic.ClassifierStepCost(10, 5, 0));
    }

    [Fact]
    public void Pipeline_runs_end_to_end_and_resumes_only_what_is_missing()
    {
        using var folder = new TempFolder();
        var config = TestConfig.Parse(TinyPipeline);
        var run = folder.Combine("run");
        var registries = Registries.CreateDefault();
        var pipeline = new Pipeline(NullLoggerFactory.Instance, registries);

        // Stop it inside the Gen-neG iteration's classifier training, then run it again.
        using var stop = new CancellationTokenSource();
        var stopInClassifier = new PhaseCallbackProgress((phase, step) => { if (phase == "train classifier" && step == 15) stop.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => pipeline.Run(new PipelineRequest(config, run), stopInClassifier, stop.Token));
        Assert.Equal(["baseline"], RunFolder.Open(run).LoadManifest().Stages.Select(s => s.Name));

        var phases = new List<string>();
        var (report, markdown) = pipeline.Run(new PipelineRequest(config, run), new PhaseCallbackProgress((phase, _) => phases.Add(phase)));
        Assert.DoesNotContain("train baseline", phases);
        Assert.Contains("train classifier", phases);
        Assert.Equal(["baseline", "genneg-1", "distilled-1"], report.Rows.Select(r => r.Stage));
        Assert.Contains("| genneg-1 | 1 |", markdown);
        // Only the guided stage has a cost per classifier, against the baseline it guides, timed in the same turns.
        var (baselineRow, guidedRow) = (report.Rows[0], report.Rows[1]);
        Assert.Equal((guidedRow.StepLatencyMs - baselineRow.StepLatencyMs) / baselineRow.StepLatencyMs, guidedRow.ClassifierStepCost!.Value, 12);
        Assert.Null(baselineRow.ClassifierStepCost);
        Assert.Null(report.Rows[2].ClassifierStepCost);
        Assert.Contains("step cost per classifier", markdown);
        // Each stage's making phases, measured by the operating system (this suite runs on Linux): the baseline's
        // training, the iteration's drawing and classifier training, the distillation; and each stage's evaluation.
        Assert.Equal(["evaluate", "train"], report.Rows[0].PeakMemory!.Keys.Order());
        Assert.Equal(["draw", "evaluate", "train_classifier"], report.Rows[1].PeakMemory!.Keys.Order());
        Assert.Equal(["distill", "evaluate"], report.Rows[2].PeakMemory!.Keys.Order());
        Assert.All(report.Rows.SelectMany(r => r.PeakMemory!.Values), bytes => Assert.InRange(bytes, 50L << 20, 64L << 30));
        Assert.Contains("| stage | train (GB) | draw (GB) | train classifier (GB) | distill (GB) | evaluate (GB) |", markdown);
        Assert.Matches(@"\| genneg-1 \| - \| \d+\.\d\d \| \d+\.\d\d \| - \| \d+\.\d\d \|", markdown);
        foreach (var file in new[] { "report.md", "report.json", "report/metrics.png", "report/baseline.png", "report/genneg-1.png", "report/distilled-1.png" })
            Assert.True(File.Exists(Path.Combine(run, file)), file);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(Path.Combine(run, "report/metrics.png"))[..4]);

        // A finished run: no training, no sampling, same report.
        var denoiserBefore = File.GetLastWriteTimeUtc(Path.Combine(run, "distilled-1/denoiser.bin"));
        phases.Clear();
        var (again, _) = pipeline.Run(new PipelineRequest(config, run), new PhaseCallbackProgress((phase, _) => phases.Add(phase)));
        Assert.Empty(phases);
        // The figures are the stored ones; only the step latencies are timed afresh.
        Assert.Equal(report.Rows.Select(r => r with { StepLatencyMs = 0, ClassifierStepCost = null, PeakMemory = null }),
            again.Rows.Select(r => r with { StepLatencyMs = 0, ClassifierStepCost = null, PeakMemory = null }));
        Assert.Equal(report.Rows.Select(r => r.PeakMemory), again.Rows.Select(r => r.PeakMemory));
        Assert.All(again.Rows, r => Assert.True(r.StepLatencyMs > 0));
        Assert.Equal(denoiserBefore, File.GetLastWriteTimeUtc(Path.Combine(run, "distilled-1/denoiser.bin")));

        var changed = Assert.Throws<GenNegException>(() => pipeline.Run(new PipelineRequest(config with { Seed = 4 }, run)));
        Assert.StartsWith("cannot resume: the config differs", changed.Message);
    }

    [Fact]
    public void Pipeline_measures_the_exact_nll_of_the_baseline_and_its_last_stage_only()
    {
        using var folder = new TempFolder();
        var config = TestConfig.Parse(TinyPipeline, ["evaluate.likelihood=exact", "evaluate.likelihood_samples=20", "evaluate.ode_solver=fixed", "evaluate.ode_steps=4"]);
        var run = folder.Combine("run");
        var registries = Registries.CreateDefault();
        new Pipeline(NullLoggerFactory.Instance, registries).Run(new PipelineRequest(config, run));

        var recorded = StageMetrics.Recorded(RunFolder.Open(run));
        Assert.NotNull(recorded["baseline"].ExactNll);
        Assert.Null(recorded["genneg-1"].ExactNll);
        var last = recorded["distilled-1"].ExactNll;
        Assert.NotNull(last);
        Assert.Equal(20, last.Examples);
        // The NLL added at the end is the one evaluate measures on request: its probes have their own seed.
        var again = new Evaluation(NullLogger<Evaluation>.Instance, registries).Run(new EvaluationRequest(run, "distilled-1"));
        Assert.Equal(last.Nats, again.ExactNll!.Nats);
        var guided = new Evaluation(NullLogger<Evaluation>.Instance, registries).Run(new EvaluationRequest(run, "genneg-1"));
        Assert.True(double.IsFinite(guided.ExactNll!.Nats));
    }

    [Theory]
    [InlineData("ddim")]
    [InlineData("ancestral")]
    public void Ddpm_pipeline_runs_end_to_end_with_the_same_workflows(string sampler)
    {
        using var folder = new TempFolder();
        var config = TestConfig.Parse(TinyPipeline, ["model.formalism=ddpm", "model.timesteps=100", $"sampler.name={sampler}", "sampler.eta=1"]);
        var run = folder.Combine("run");
        var (report, markdown) = new Pipeline(NullLoggerFactory.Instance, Registries.CreateDefault()).Run(new PipelineRequest(config, run));

        Assert.Equal(["baseline", "genneg-1", "distilled-1"], report.Rows.Select(r => r.Stage));
        Assert.Equal("r-ELBO", report.Likelihood);
        Assert.Contains("| r-ELBO per example |", markdown);
        Assert.All(report.Rows, r => Assert.True(double.IsFinite(r.Elbo), $"{r.Stage}: r-ELBO {r.Elbo}"));
        Assert.All(report.Rows, r => Assert.Equal(Recount.InfractionRate(run, r.Stage), r.InfractionRate, 12));
        var metrics = StageMetrics.Recorded(RunFolder.Open(run));
        Assert.Equal(8, metrics["genneg-1"].SamplingSteps);
        Assert.Equal("ddpm", TestConfig.Load(Path.Combine(run, "genneg-1", "config.yaml")).Model.Formalism);
    }

    private sealed class ConstantDenoiser(float value) : IDenoiser
    {
        public Tensor Denoise(Tensor x, Tensor sigma, Condition condition) => full_like(x, value);
    }

    /// <summary>Reports (phase, step) for training phases and (phase, 1) when any other phase opens.</summary>
    private sealed class PhaseCallbackProgress(Action<string, long> report) : IWorkflowProgress
    {
        public IProgress<TrainingProgress> Training(string phase) => new CallbackProgress<TrainingProgress>(p => report(phase, p.Step));

        public IProgress<SamplingProgress> Sampling(string phase)
        {
            report(phase, 1);
            return IWorkflowProgress.None.Sampling(phase);
        }

        public IProgress<DrawProgress> Drawing(string phase)
        {
            report(phase, 1);
            return IWorkflowProgress.None.Drawing(phase);
        }
    }
}
