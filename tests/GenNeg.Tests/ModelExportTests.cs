using System.Text.Json;
using System.Text.Json.Nodes;
using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Interop;
using GenNeg.Networks;
using GenNeg.Workflows;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace GenNeg.Tests;

public class ModelExportTests
{
    private static string TrainTinyRun(TempFolder folder, string formalism, int iterations = 100)
    {
        var run = folder.Combine("run");
        var train = ReliabilityTests.Cli("train-baseline", "-c", TinyRun.WriteConfig(folder), "-r", run,
            "--set", $"train.iterations={iterations}", "--set", $"model.formalism={formalism}", "--set", $"sampler.name={(formalism == "ddpm" ? "ddim" : "heun")}");
        Assert.True(train.Code == 0, train.Error);
        return run;
    }

    [Fact]
    public void Safetensors_file_holds_every_state_dict_tensor_by_name_with_its_shape_and_values()
    {
        using var folder = new TempFolder();
        using var denoiser = TestModels.Denoiser(new ModelConfig { Hidden = 8, Blocks = 2, TimeEmbedding = 4 }, dimension: 3, seed: 5);
        // The zero-initialised output layer would make its values trivially equal: give every tensor distinct values.
        using (no_grad())
            foreach (var (_, parameter) in denoiser.named_parameters()) parameter.uniform_(-1, 1);
        var path = folder.Combine("model.safetensors");

        ModelExport.WriteSafetensors(denoiser, path);

        var bytes = File.ReadAllBytes(path);
        var headerLength = checked((int)BitConverter.ToUInt64(bytes, 0));
        var header = JsonNode.Parse(bytes.AsSpan(8, headerLength))!.AsObject();
        var dataStart = 8 + headerLength;
        var expected = denoiser.state_dict();
        Assert.Equal(expected.Keys.Order(), header.Select(e => e.Key).Where(k => k != "__metadata__").Order());
        Assert.Contains("network.blocks.1.timeProjection.weight", expected.Keys);
        long covered = 0;
        foreach (var (name, tensor) in expected)
        {
            var entry = header[name]!.AsObject();
            Assert.Equal("F32", entry["dtype"]!.GetValue<string>());
            Assert.Equal(tensor.shape, entry["shape"]!.AsArray().Select(d => d!.GetValue<long>()));
            var offsets = entry["data_offsets"]!.AsArray().Select(o => o!.GetValue<long>()).ToArray();
            Assert.Equal(tensor.numel() * 4, offsets[1] - offsets[0]);
            covered += offsets[1] - offsets[0];
            var values = new float[tensor.numel()];
            Buffer.BlockCopy(bytes, dataStart + (int)offsets[0], values, 0, values.Length * 4);
            Assert.Equal(tensor.data<float>().ToArray(), values);
        }
        Assert.Equal(bytes.Length - dataStart, covered);

        // And the library's own reader gives the same tensors back.
        var loaded = Safetensors.LoadStateDict(path);
        foreach (var (name, tensor) in expected) Assert.Equal(tensor.data<float>().ToArray(), loaded[name].data<float>().ToArray());
    }

    [Fact]
    public void Export_writes_the_weights_and_a_description_of_networks_and_formalism()
    {
        using var folder = new TempFolder();
        var run = TrainTinyRun(folder, "ddpm", iterations: 20);
        var output = folder.Combine("export");

        var (code, stdout, error) = CliTests.Run("export", "--run", run, "--stage", "baseline", "--out", output);

        Assert.True(code == 0, error);
        Assert.Contains("Exported 'baseline': denoiser.safetensors, model.json", stdout);
        var description = JsonNode.Parse(File.ReadAllText(Path.Combine(output, ModelExport.DescriptionFile)))!;
        Assert.Equal("ddpm", description["formalism"]!["name"]!.GetValue<string>());
        Assert.Equal("linear", description["formalism"]!["schedule"]!.GetValue<string>());
        Assert.Equal(1000, description["formalism"]!["timesteps"]!.GetValue<int>());
        Assert.Equal("epsilon", description["formalism"]!["prediction"]!.GetValue<string>());
        Assert.Null(description["guidance"]);
        var network = description["networks"]!.AsArray().Single()!;
        Assert.Equal("denoiser", network["role"]!.GetValue<string>());
        var backbone = network["backbone"]!;
        Assert.Equal(("mlp", 32, 1, 16, 2), (backbone["name"]!.GetValue<string>(), backbone["hidden"]!.GetValue<int>(),
            backbone["blocks"]!.GetValue<int>(), backbone["time_embedding"]!.GetValue<int>(), backbone["input_width"]!.GetValue<int>()));
        var weights = Safetensors.LoadStateDict(Path.Combine(output, ModelExport.DenoiserFile));
        Assert.Equal([32L, 2L], weights["network.inputProjection.weight"].shape);
        Assert.Equal(network["parameters"]!.GetValue<long>(), weights.Values.Sum(t => t.numel()));
    }

    [Fact]
    public void Export_refuses_an_unknown_stage_and_a_file_as_output_in_one_line()
    {
        using var folder = new TempFolder();
        var run = TrainTinyRun(folder, "edm", iterations: 10);
        var file = folder.Combine("taken.txt");
        File.WriteAllText(file, "x");

        var unknown = CliTests.Run("export", "--run", run, "--stage", "genneg-7", "--out", folder.Combine("out"));
        Assert.Equal(2, unknown.Code);
        Assert.Equal($"error: run folder '{run}' has no stage 'genneg-7'; stages: baseline", unknown.Error.Trim());
        Assert.False(Directory.Exists(folder.Combine("out")));

        var onFile = CliTests.Run("export", "--run", run, "--out", file);
        Assert.Equal(2, onFile.Code);
        Assert.Equal($"error: --out '{file}' is a file; give a folder to write the model into", onFile.Error.Trim());
        Assert.Equal("x", File.ReadAllText(file));
    }

    /// <summary>A backbone that does not describe itself for export (as a domain's own network may not).</summary>
    private sealed class UndescribedBackbone : Backbone
    {
        private readonly TorchSharp.Modules.Linear layer;

        public UndescribedBackbone(BackboneSpec spec) : base(nameof(UndescribedBackbone))
        {
            layer = nn.Linear(spec.SampleShape[0], spec.SampleShape[0]);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input, Tensor noiseLabel, Condition condition) => layer.forward(input);
    }

    [Fact]
    public void Export_refuses_a_backbone_without_an_export_description_before_writing()
    {
        using var folder = new TempFolder();
        var run = TrainTinyRun(folder, "edm", iterations: 10);
        var registries = Registries.CreateDefault();
        // The run's backbone name now builds a network the exporter cannot describe.
        registries.Backbones.Register(ResidualMlp.BackboneName, spec => new UndescribedBackbone(spec));
        var output = folder.Combine("out");

        var error = Assert.Throws<GenNegException>(() =>
            new ModelExport(NullLogger<ModelExport>.Instance, registries).Run(new ExportRequest(run, null, output)));

        Assert.Equal("stage 'baseline' cannot be exported: its backbone 'mlp' has no export description; only backbones that describe themselves (e.g. mlp) can be exported", error.Message);
        Assert.False(Directory.Exists(output));
    }

    [SkippableTheory]
    [InlineData("edm", false)]
    [InlineData("ddpm", false)]
    [InlineData("edm", true)]
    public void PyTorch_rebuilds_the_exported_denoiser_with_the_same_outputs(string formalism, bool guided)
    {
        var python = PythonWithTorch.Require();
        using var folder = new TempFolder();
        var run = TrainTinyRun(folder, formalism);
        if (guided)
        {
            // One Gen-neG iteration: a classifier stack, guiding only at sigma <= 1 (so max_sigma is crossed by the inputs
            // and sigma^2 keeps float32 rounding of the guidance gradient small).
            var iterate = ReliabilityTests.Cli("iterate", "-r", run, "--set", "genneg.per_class=40", "--set", "genneg.min_per_class=10",
                "--set", "genneg.draw_batch_size=200", "--set", "genneg.max_draws=20000", "--set", "genneg.guidance_max_sigma=1",
                "--set", "genneg.classifier.iterations=30", "--set", "genneg.classifier.batch_size=128", "--set", "genneg.classifier.checkpoint_every=10");
            Assert.True(iterate.Code == 0, iterate.Error);
        }
        var output = folder.Combine("export");
        var export = CliTests.Run("export", "--run", run, "--out", output);
        Assert.True(export.Code == 0, export.Error);

        // 1,000 fixed inputs: noisy points at noise levels log-uniform over [0.005, 100] (beyond DDPM's table at its low end).
        const int count = 1000;
        using var generator = new Generator(11);
        var sigma = (rand([count], generator: generator) * Math.Log(100 / 0.005) + Math.Log(0.005)).exp();
        var x = randn([count, 2], generator: generator) * (sigma.square() + 4).sqrt().unsqueeze(1);
        var inputPath = folder.Combine("inputs.npy");
        File.WriteAllBytes(inputPath, NpyFile.Format([count, 3], cat([x, sigma.unsqueeze(1)], 1).data<float>().ToArray()));

        var outputPath = folder.Combine("outputs.npy");
        var script = Repository.File(Path.Combine("samples", "PyTorchExport", "genneg_torch.py"));
        var (code, stderr) = PythonWithTorch.Run(python, script, output, "--denoise", inputPath, outputPath);
        Assert.True(code == 0, stderr);

        var registries = Registries.CreateDefault();
        var runFolder = Runs.RunFolder.Open(run);
        var record = runFolder.Stage(null);
        Assert.Equal(guided ? 1 : 0, record.Classifiers.Count);
        using var experiment = Experiment.Open(runFolder.ConfigOf(record, registries.ConfigSchema) with { Device = "cpu" }, registries);
        using var stage = LoadedStage.Load(runFolder, experiment, record);
        using var expected = stage.Denoiser.Denoise(x, sigma, Condition.None);
        var actual = NpyFile.Read(outputPath);
        Assert.Equal([count, 2L], actual.Shape);
        // 1e-5 absolute, per unit of noise above sigma = 1: DDPM's D = x - sigma eps turns the float32 rounding of eps
        // (a few 1e-7, libtorch 1.13 against 2.10 kernels) into sigma times that (measured: 2.7e-5 at sigma 93, |x| 32).
        var difference = ((tensor(actual.Values).reshape(count, 2) - expected).abs().amax(1) / sigma.clamp_min(1)).max().item<float>();
        Assert.True(difference <= 1e-5, $"max |D_torch - D_genneg| / max(1, sigma) = {difference:E2}");
        // Not a trivial match: the trained network moves D away from its zero-initialised c_skip x.
        Assert.True((expected - experiment.Models.Formalism.Preconditioning.Skip(sigma).unsqueeze(1) * x).abs().max().item<float>() > 1e-2);
        if (guided)
        {
            // ... and the guidance changes it where it applies, and only there.
            Assert.Equal(1.0, record.GuidanceMaxSigma);
            using var plain = experiment.Models.LoadDenoiser(runFolder.VerifiedModelPath(record.Denoiser), record.Classifiers[0].Seed);
            using var unguided = plain.Denoise(x, sigma, Condition.None).detach();
            var change = (expected - unguided).abs().amax(1);
            Assert.True(change[sigma <= 1].max().item<float>() > 1e-3);
            Assert.Equal(0f, change[sigma > 1].max().item<float>());
        }
    }
}
