using System.Diagnostics;
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
        var python = PythonWithTorch.Find();
        Skip.If(python is null, "python3 with torch and numpy is not installed; install python3-torch and python3-numpy to run this test");
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
        var (code, stderr) = PythonWithTorch.Run(python!, script, output, "--denoise", inputPath, outputPath);
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

/// <summary>A python3 that imports torch and numpy, for the tests that run the PyTorch sample.</summary>
internal static class PythonWithTorch
{
    /// <summary>
    /// GENNEG_PYTHON when set, else python3 on the PATH, else the system's own interpreter (where Debian's python3-torch
    /// installs, when a version manager's python3 comes first on the PATH); null when none of them imports torch.
    /// </summary>
    public static string? Find()
    {
        var candidates = new[] { Environment.GetEnvironmentVariable("GENNEG_PYTHON"), "python3", "/usr/bin/python3" };
        return candidates.Where(c => !string.IsNullOrEmpty(c)).FirstOrDefault(c => TryRun(c!, ["-c", "import torch, numpy"], out var code, out _) && code == 0);
    }

    public static (int Code, string Error) Run(string python, params string[] arguments)
    {
        Assert.True(TryRun(python, arguments, out var code, out var error), $"cannot start {python}");
        return (code, error);
    }

    private static bool TryRun(string python, string[] arguments, out int code, out string error)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        try
        {
            using var process = Process.Start(start)!;
            var errorText = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            error = errorText.Result;
            code = process.ExitCode;
            return true;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            (code, error) = (-1, "");
            return false;
        }
    }
}

public class TorchScriptBackboneTests
{
    /// <summary>A traced PyTorch network F(x, c_noise) and its outputs on fixed inputs, written by PyTorch itself.</summary>
    private const string TraceScript = """
        import sys, numpy, torch
        torch.manual_seed(0)
        class F(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.a = torch.nn.Linear(3, 32)
                self.b = torch.nn.Linear(32, 2)
            def forward(self, x, c_noise):
                return self.b(torch.nn.functional.silu(self.a(torch.cat([x, c_noise.unsqueeze(1)], 1))))
        folder = sys.argv[1]
        x, c = torch.linspace(-3, 3, 16).reshape(8, 2), torch.linspace(-1, 2, 8)
        traced = torch.jit.trace(F().eval(), (x, c))
        traced.save(folder + "/f.pt")
        numpy.save(folder + "/f_out.npy", traced(x, c).detach().numpy())
        """;

    [SkippableFact]
    public void A_traced_PyTorch_network_is_a_backbone_that_trains_saves_and_loads_inside_the_preconditioning()
    {
        var python = PythonWithTorch.Find();
        Skip.If(python is null, "python3 with torch and numpy is not installed; install python3-torch and python3-numpy to run this test");
        using var folder = new TempFolder();
        var trace = folder.Combine("trace.py");
        File.WriteAllText(trace, TraceScript);
        var traced = PythonWithTorch.Run(python!, trace, folder.Path);
        Assert.True(traced.Code == 0, traced.Error);
        var file = folder.Combine("f.pt");

        // The network computes in GenNeg what it computed in PyTorch, and D wraps it in EDM's preconditioning.
        var model = new Configuration.ModelConfig { Backbone = TorchScriptBackbone.BackboneName, Torchscript = file };
        using var fresh = TestModels.Denoiser(model, dimension: 2, seed: 1);
        var x = linspace(-3, 3, 16).reshape(8, 2);
        var labels = linspace(-1, 2, 8);
        var expected = NpyFile.Read(folder.Combine("f_out.npy"));
        Assert.Equal(expected.Values, fresh.Network.forward(x, labels, Condition.None).data<float>().ToArray(), new FloatTolerance(1e-6f));
        var sigma = tensor(new[] { 0.01f, 0.1f, 0.5f, 1, 2, 5, 20, 80 });
        var edm = new Diffusion.EdmPreconditioning();
        var byHand = edm.Skip(sigma).unsqueeze(1) * x + edm.Out(sigma).unsqueeze(1) * fresh.Network.forward(edm.In(sigma).unsqueeze(1) * x, edm.NoiseCondition(sigma), Condition.None);
        Assert.Equal(byHand.data<float>().ToArray(), fresh.Denoise(x, sigma, Condition.None).data<float>().ToArray());
        Assert.Equal(["a_bias", "a_weight", "b_bias", "b_weight"], fresh.Network.named_parameters().Select(p => p.name).Order());

        // A run trains its weights; the checkpoint loads back into the script, which then computes with them.
        using var config = new TempFolder();
        var run = folder.Combine("run");
        var train = ReliabilityTests.Cli("train-baseline", "-c", TinyRun.WriteConfig(config), "-r", run, "--set", "train.iterations=30",
            "--set", "model.backbone=torchscript", "--set", $"model.torchscript={file}");
        Assert.True(train.Code == 0, train.Error);
        using var trained = TestModels.Builder(model, 2).LoadDenoiser(Path.Combine(run, "baseline", "denoiser.bin"), seed: 3);
        var before = fresh.Network.forward(x, labels, Condition.None);
        var after = trained.Network.forward(x, labels, Condition.None);
        Assert.True((after - before).abs().max().item<float>() > 1e-4, "the loaded network computes with its initial weights");

        // What it cannot be: a classifier, or a backbone without its file.
        var iterate = ReliabilityTests.Cli("iterate", "-r", run);
        Assert.Equal(2, iterate.Code);
        Assert.Contains("model.backbone torchscript gives a denoiser only; classifiers and other heads need a backbone built by GenNeg (e.g. mlp)", iterate.Error);
        var missing = ReliabilityTests.Cli("train-baseline", "-c", TinyRun.WriteConfig(config), "-r", folder.Combine("run2"), "--set", "model.backbone=torchscript");
        Assert.Equal(2, missing.Code);
        Assert.Contains("config key 'model.torchscript' must name a TorchScript file (torch.jit.save) when model.backbone is torchscript", missing.Error);
    }

    private sealed class FloatTolerance(float epsilon) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= epsilon;
        public int GetHashCode(float value) => 0;
    }
}
