using GenNeg.Configuration;

namespace GenNeg.Tests;

public class ConfigTests
{
    private static string RepoFile(string relative) => Repository.File(relative);

    [Theory]
    [InlineData("configs/checkerboard.yaml", 30_000, 100)]
    [InlineData("configs/checkerboard-quick.yaml", 4000, 50)]
    [InlineData("configs/checkerboard-ddpm.yaml", 30_000, 1000)]
    [InlineData("configs/checkerboard-ddpm-quick.yaml", 4000, 100)]
    public void Shipped_configs_load(string path, int iterations, int steps)
    {
        var config = TestConfig.Load(RepoFile(path));
        Assert.Equal(iterations, config.Train.Iterations);
        Assert.Equal(steps, config.Sampler.Steps);
        Assert.Equal("checkerboard", config.Oracle);
    }

    [Fact]
    public void Quick_edm_config_trains_a_sis_classifier_four_times_as_long_as_a_standard_one()
    {
        var config = TestConfig.Load(RepoFile("configs/checkerboard-quick.yaml"));
        Assert.Equal(4 * config.Genneg.Classifier.Iterations, config.Genneg.Sis.ClassifierIterations);
        Assert.Null(TestConfig.Load(RepoFile("configs/checkerboard-ddpm-quick.yaml")).Genneg.Sis.ClassifierIterations);
    }

    [Fact]
    public void Paper_config_carries_the_paper_budgets()
    {
        var config = TestConfig.Load(RepoFile("configs/checkerboard.yaml"));
        Assert.Equal(3e-4, config.Train.LearningRate);
        Assert.Equal(1000, config.Data.TrainSize);
        Assert.Equal(config.Data.TrainSize, config.Train.BatchSize);
        Assert.Equal(10, config.Sampler.Churn);
        Assert.Equal(1.0, config.Model.SigmaData);
    }

    [Fact]
    public void Missing_keys_take_defaults_and_overrides_win()
    {
        var config = TestConfig.Parse("train:\n  iterations: 10\n", ["train.iterations=500", "sampler.churn=0", "evaluate.mmd_bandwidths=[0.2, 1]"]);
        Assert.Equal(500, config.Train.Iterations);
        Assert.Equal(0, config.Sampler.Churn);
        Assert.Equal([0.2, 1.0], config.Evaluate.MmdBandwidths);
        Assert.Equal(new ModelConfig(), config.Model);
    }

    [Fact]
    public void Resolved_yaml_round_trips()
    {
        var config = TestConfig.Load(RepoFile("configs/checkerboard-quick.yaml"), ["seed=42"]);
        var again = TestConfig.Parse(ConfigLoader.ToYaml(config));
        Assert.Equal(ConfigLoader.ToYaml(config), ConfigLoader.ToYaml(again));
        Assert.Equal(42, again.Seed);
        Assert.Equal(config.Evaluate.MmdBandwidths, again.Evaluate.MmdBandwidths);
        Assert.Null(again.Genneg.GuidanceMaxSigma);
    }

    [Fact]
    public void An_optional_number_is_unset_by_default_set_by_a_value_and_round_trips_either_way()
    {
        var limited = TestConfig.Parse("genneg:\n  guidance_max_sigma: 1.5\n");
        Assert.Equal(1.5, limited.Genneg.GuidanceMaxSigma);
        Assert.Equal(1.5, TestConfig.Parse(ConfigLoader.ToYaml(limited)).Genneg.GuidanceMaxSigma);
        Assert.Null(TestConfig.Parse("genneg:\n  guidance_max_sigma:\n").Genneg.GuidanceMaxSigma);
        Assert.Null(TestConfig.Parse("", ["genneg.guidance_max_sigma=null"]).Genneg.GuidanceMaxSigma);
        Assert.Equal(0.8, TestConfig.Parse("", ["genneg.guidance_max_sigma=0.8"]).Genneg.GuidanceMaxSigma);
    }

    [Theory]
    [InlineData("train:\n  iteratons: 5\n", "unknown config key 'train.iteratons' (did you mean 'train.iterations'?)")]
    [InlineData("sampler:\n  stpes: 5\n", "unknown config key 'sampler.stpes' (did you mean 'sampler.steps'?)")]
    [InlineData("train:\n  iterations: many\n", "config key 'train.iterations' must be a whole number, got 'many'")]
    [InlineData("train:\n  learning_rate: fast\n", "config key 'train.learning_rate' must be a number, got 'fast'")]
    [InlineData("train: 5\n", "config key 'train' must be a section of keys (train.iterations, train.batch_size, train.learning_rate, ...)")]
    [InlineData("train:\n  iterations: 0\n", "config key 'train.iterations' must be at least 1, got 0")]
    [InlineData("model:\n  sigma_max: 0.001\n", "config key 'model.sigma_max' (0.001) must exceed model.sigma_min (0.002)")]
    [InlineData("model:\n  formalism: vp\n", "config key 'model.formalism' must be one of edm, ddpm, got 'vp'")]
    [InlineData("model:\n  formalism: ddpm\n", "config key 'sampler.name': the ddpm formalism samples with ancestral or ddim, got 'heun'")]
    [InlineData("model:\n  formalism: ddpm\n  timesteps: 50\nsampler:\n  name: ddim\n  steps: 100\n", "config key 'sampler.steps' must be between 1 and model.timesteps (50), got 100")]
    [InlineData("model:\n  formalism: ddpm\n  schedule: quadratic\nsampler:\n  name: ddim\n", "config key 'model.schedule' must be one of linear, cosine, got 'quadratic'")]
    [InlineData("sampler:\n  name: ddim\n", "config key 'sampler.name': the edm formalism samples with heun or euler_maruyama, got 'ddim'")]
    [InlineData("model:\n  formalism: ddpm\nsampler:\n  name: ddim\n  eta: -1\n", "config key 'sampler.eta' must be at least 0, got -1")]
    [InlineData("model:\n  formalism: ddpm\nsampler:\n  name: ddim\n  spacing: cubic\n", "config key 'sampler.spacing' must be one of linear, quadratic, got 'cubic'")]
    [InlineData("evaluate:\n  likelihood: ode\n", "config key 'evaluate.likelihood' must be one of bound, exact, got 'ode'")]
    [InlineData("evaluate:\n  ode_solver: rk4\n", "config key 'evaluate.ode_solver' must be one of adaptive, fixed, got 'rk4'")]
    [InlineData("evaluate:\n  ode_relative_tolerance: 0\n", "config key 'evaluate.ode_relative_tolerance' must be positive, got 0")]
    [InlineData("genneg:\n  classifier:\n    loss: hinge\n", "config key 'genneg.classifier.loss' must be one of cross_entropy, dlsm, dlsm_ce, got 'hinge'")]
    [InlineData("genneg:\n  classifier:\n    los: dlsm\n", "unknown config key 'genneg.classifier.los' (did you mean 'genneg.classifier.loss'?)")]
    [InlineData("genneg:\n  time_independent: true\n  classifier:\n    loss: dlsm\n", "config key 'genneg.classifier.loss' (dlsm) needs a time-dependent classifier; set genneg.time_independent: false")]
    [InlineData("genneg:\n  guidance_max_sigma: 0\n", "config key 'genneg.guidance_max_sigma' must be positive, got 0")]
    [InlineData("genneg:\n  guidance_max_sigma: high\n", "config key 'genneg.guidance_max_sigma' must be a number, got 'high'")]
    [InlineData("genneg:\n  draw: importance\n", "config key 'genneg.draw' must be one of standard, sis, got 'importance'")]
    [InlineData("genneg:\n  draw: sis\n  sis:\n    min_ess_fraction: 2\n", "config key 'genneg.sis.min_ess_fraction' must be in [0, 1], got 2")]
    [InlineData("genneg:\n  sis:\n    classifier_iterations: 0\n", "config key 'genneg.sis.classifier_iterations' must be at least 1, got 0")]
    [InlineData("genneg:\n  draw: sis\n  sis:\n    proposal: ' '\n", "config key 'genneg.sis.proposal' must name a stage or 'current'")]
    [InlineData("genneg:\n  draw: sis\n  classifier:\n    loss: dlsm\n", "config key 'genneg.draw' (sis) trains with per-example weights, which genneg.classifier.loss 'dlsm' does not take; use cross_entropy")]
    [InlineData("genneg:\n  draw: sis\n  sis:\n    sampler: ddim\n", "config key 'genneg.sis.sampler': the edm formalism draws by sequential importance sampling with auto (euler_maruyama), euler_maruyama or heun, got 'ddim'")]
    [InlineData("sampler:\n  churn: 0\ngenneg:\n  draw: sis\n  sis:\n    sampler: heun\n", "config key 'sampler.churn': genneg.sis.sampler heun weights Heun's churn noise, and churn 0 adds none; set sampler.churn above 0 or genneg.sis.sampler to euler_maruyama")]
    [InlineData("model:\n  formalism: ddpm\nsampler:\n  name: ddim\ngenneg:\n  draw: sis\n  sis:\n    sampler: heun\n", "config key 'genneg.sis.sampler': the ddpm formalism draws by sequential importance sampling with auto (ancestral) or ancestral, got 'heun'")]
    [InlineData("genneg:\n  sis:\n    proposl: current\n", "unknown config key 'genneg.sis.proposl' (did you mean 'genneg.sis.proposal'?)")]
    [InlineData("model:\n  torchscript_contract: epsilon\n", "config key 'model.torchscript_contract' must be one of backbone, ddpm_epsilon, edm_denoiser, got 'epsilon'")]
    [InlineData("model:\n  torchscript_timestep: int32\n", "config key 'model.torchscript_timestep' must be one of int64, float32, got 'int32'")]
    [InlineData("model:\n  torchscript_contract: edm_denoiser\n", "config key 'model.torchscript_contract' (edm_denoiser) describes a TorchScript file; model.backbone is mlp")]
    [InlineData("model:\n  backbone: torchscript\n  torchscript_contract: ddpm_epsilon\n", "config key 'model.torchscript_contract' (ddpm_epsilon) needs model.formalism: ddpm; it is edm")]
    [InlineData("model:\n  backbone: torchscript\n  formalism: ddpm\n  prediction: x0\n  torchscript_contract: ddpm_epsilon\nsampler:\n  name: ddim\n", "config key 'model.torchscript_contract' (ddpm_epsilon) predicts epsilon; model.prediction is x0")]
    [InlineData("genneg:\n  classifier:\n    backbone: torchscript\n", "config key 'genneg.classifier.torchscript' must name a TorchScript file (torch.jit.save) of the classifier's network when genneg.classifier.backbone is torchscript")]
    [InlineData("genneg:\n  classifier:\n    torchscript: c.pt\n", "config key 'genneg.classifier.torchscript' names a file, but genneg.classifier.backbone is auto; set it to torchscript to use the file")]
    [InlineData("train:\n  iterations: [1, 2\n", "config: malformed YAML at line 3, column 1: While parsing a flow sequence, did not find expected ',' or ']'.")]
    public void Bad_configs_fail_with_a_message_naming_the_key(string yaml, string message)
    {
        var error = Assert.Throws<GenNegException>(() => TestConfig.Parse(yaml));
        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData("auto", "mlp", "mlp")]
    [InlineData("auto", "agent_transformer", "agent_transformer")]
    [InlineData("auto", "torchscript", "mlp")]
    [InlineData("agent_transformer", "torchscript", "agent_transformer")]
    public void The_classifiers_take_the_denoisers_backbone_unless_it_is_a_TorchScript_file(string configured, string denoiser, string expected) =>
        Assert.Equal(expected, Networks.ClassifierHead.Backbone(configured, denoiser));

    [Fact]
    public void Bad_overrides_name_the_key()
    {
        Assert.Equal("unknown config key 'train.iterationz' (did you mean 'train.iterations'?)",
            Assert.Throws<GenNegException>(() => TestConfig.Parse("", ["train.iterationz=5"])).Message);
        Assert.Equal("override 'train.iterations' must look like key=value (e.g. train.iterations=500)",
            Assert.Throws<GenNegException>(() => TestConfig.Parse("", ["train.iterations"])).Message);
    }

    [Fact]
    public void Missing_file_is_named()
    {
        Assert.Equal("config file 'nope.yaml' not found", Assert.Throws<GenNegException>(() => TestConfig.Load("nope.yaml")).Message);
    }
}
