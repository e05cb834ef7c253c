using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Networks;
using static TorchSharp.torch;

namespace GenNeg.Tests;

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
        class G(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.c = torch.nn.Linear(3, 16)
                self.d = torch.nn.Linear(16, 1)
            def forward(self, x, c_noise):
                return self.d(torch.tanh(self.c(torch.cat([x, c_noise.unsqueeze(1)], 1)))).squeeze(1)
        folder = sys.argv[1]
        x, c = torch.linspace(-3, 3, 16).reshape(8, 2), torch.linspace(-1, 2, 8)
        traced = torch.jit.trace(F().eval(), (x, c))
        traced.save(folder + "/f.pt")
        numpy.save(folder + "/f_out.npy", traced(x, c).detach().numpy())
        torch.jit.trace(G().eval(), (x, c)).save(folder + "/g.pt")
        """;

    /// <summary>Runs <see cref="TraceScript"/> in the folder; returns the path of the traced file.</summary>
    private static string TraceF(string python, TempFolder folder)
    {
        var trace = folder.Combine("trace.py");
        File.WriteAllText(trace, TraceScript);
        var traced = PythonWithTorch.Run(python, trace, folder.Path);
        Assert.True(traced.Code == 0, traced.Error);
        return folder.Combine("f.pt");
    }

    [SkippableFact]
    public void A_traced_PyTorch_network_is_a_backbone_that_trains_saves_and_loads_inside_the_preconditioning()
    {
        var python = PythonWithTorch.Require();
        using var folder = new TempFolder();
        var file = TraceF(python, folder);

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

        // As a whole EDM denoiser D(x, sigma) the same file gets x and sigma as they are.
        using (var whole = TestModels.Denoiser(model with { TorchscriptContract = "edm_denoiser" }, dimension: 2, seed: 1))
            Assert.Equal(whole.Network.forward(x, sigma, Condition.None).data<float>().ToArray(), whole.Denoise(x, sigma, Condition.None).data<float>().ToArray());

        // --as-is records the file's network as the baseline, untrained.
        using var config = new TempFolder();
        var imported = folder.Combine("imported");
        var record = ReliabilityTests.Cli("train-baseline", "-c", TinyRun.WriteConfig(config), "-r", imported, "--as-is",
            "--set", "model.backbone=torchscript", "--set", $"model.torchscript={file}");
        Assert.True(record.Code == 0, record.Error);
        using (var asIs = TestModels.Builder(model, 2).LoadDenoiser(Path.Combine(imported, "baseline", "denoiser.bin"), seed: 3))
            Assert.Equal(expected.Values, asIs.Network.forward(x, labels, Condition.None).data<float>().ToArray(), new FloatTolerance(1e-6f));
        var notAFile = ReliabilityTests.Cli("train-baseline", "-c", TinyRun.WriteConfig(config), "-r", folder.Combine("mlp"), "--as-is");
        Assert.Equal(2, notAFile.Code);
        Assert.Contains("--as-is takes a network trained elsewhere as the baseline: it needs model.backbone: torchscript (model.backbone is mlp)", notAFile.Error);
        Assert.False(Directory.Exists(Path.Combine(folder.Combine("mlp"), "baseline")));

        // A run trains its weights; the checkpoint loads back into the script, which then computes with them.
        var run = folder.Combine("run");
        var train = ReliabilityTests.Cli("train-baseline", "-c", TinyRun.WriteConfig(config), "-r", run, "--set", "train.iterations=30",
            "--set", "model.backbone=torchscript", "--set", $"model.torchscript={file}");
        Assert.True(train.Code == 0, train.Error);
        using var trained = TestModels.Builder(model, 2).LoadDenoiser(Path.Combine(run, "baseline", "denoiser.bin"), seed: 3);
        var before = fresh.Network.forward(x, labels, Condition.None);
        var after = trained.Network.forward(x, labels, Condition.None);
        Assert.True((after - before).abs().max().item<float>() > 1e-4, "the loaded network computes with its initial weights");

        // Gen-neG iterates on it: the classifiers are GenNeg's MLP (genneg.classifier.backbone auto), the denoiser the script.
        var iterate = ReliabilityTests.Cli("iterate", "-r", run, "--set", "genneg.per_class=40", "--set", "genneg.min_per_class=10",
            "--set", "genneg.draw_batch_size=200", "--set", "genneg.classifier.iterations=20", "--set", "genneg.classifier.batch_size=64");
        Assert.True(iterate.Code == 0, iterate.Error);
        AssertFiniteMetrics(run, "genneg-1");
        using var classifier = TestModels.Builder(model with { Hidden = 32, Blocks = 1, TimeEmbedding = 16 }, 2).LoadClassifier(Path.Combine(run, "genneg-1", "classifier.bin"), seed: 3, Networks.ClassifierHead.ByElement);

        // What it cannot be: a classifier without a file of its own, or a backbone without its file.
        var refused = ReliabilityTests.Cli("iterate", "-r", run, "--set", "genneg.classifier.backbone=torchscript");
        Assert.Equal(2, refused.Code);
        Assert.Contains("config key 'genneg.classifier.torchscript' must name a TorchScript file (torch.jit.save) of the classifier's network", refused.Error);
        var missing = ReliabilityTests.Cli("train-baseline", "-c", TinyRun.WriteConfig(config), "-r", folder.Combine("run2"), "--set", "model.backbone=torchscript");
        Assert.Equal(2, missing.Code);
        Assert.Contains("config key 'model.torchscript' must name a TorchScript file (torch.jit.save) when model.backbone is torchscript", missing.Error);
    }

    [SkippableFact]
    public void A_TorchScript_classifier_trains_from_its_files_weights_and_one_of_the_wrong_shape_is_refused()
    {
        var python = PythonWithTorch.Require();
        using var folder = new TempFolder();
        var denoiserFile = TraceF(python, folder);
        var classifierFile = folder.Combine("g.pt");
        using var config = new TempFolder();
        var run = folder.Combine("run");
        var imported = ReliabilityTests.Cli("train-baseline", "-c", TinyRun.WriteConfig(config), "-r", run, "--as-is",
            "--set", "model.backbone=torchscript", "--set", $"model.torchscript={denoiserFile}");
        Assert.True(imported.Code == 0, imported.Error);
        string[] tiny = ["--set", "genneg.per_class=40", "--set", "genneg.min_per_class=10", "--set", "genneg.draw_batch_size=200",
            "--set", "genneg.classifier.iterations=20", "--set", "genneg.classifier.batch_size=64", "--set", "genneg.classifier.backbone=torchscript"];

        // The denoiser's file gives two numbers per sample, not one logit: refused before anything is drawn.
        var wrong = ReliabilityTests.Cli(["iterate", "-r", run, .. tiny, "--set", $"genneg.classifier.torchscript={denoiserFile}"]);
        Assert.Equal(2, wrong.Code);
        Assert.Contains($"config key 'genneg.classifier.torchscript': '{denoiserFile}': its forward returns [2, 2] for x [2, 2] float32 and a noise label [2] float32; expected [2], one logit per sample", wrong.Error);
        Assert.False(Directory.Exists(Path.Combine(run, "genneg-1")));

        var iterate = ReliabilityTests.Cli(["iterate", "-r", run, .. tiny, "--set", $"genneg.classifier.torchscript={classifierFile}"]);
        Assert.True(iterate.Code == 0, iterate.Error);
        AssertFiniteMetrics(run, "genneg-1");
        var model = new Configuration.ModelConfig { Backbone = TorchScriptBackbone.BackboneName, Torchscript = denoiserFile };
        var builder = new Workflows.ModelBuilder(model, new DataSplit(zeros(1, 2), zeros(1, 2)), Registries.CreateDefault().Backbones, CPU,
            TorchScriptBackbone.BackboneName, classifierFile);
        using var fresh = builder.CreateClassifier(1, ClassifierHead.BySample);
        using var trained = builder.LoadClassifier(Path.Combine(run, "genneg-1", "classifier.bin"), seed: 3, ClassifierHead.BySample);
        Assert.Equal(["c_bias", "c_weight", "d_bias", "d_weight"], trained.Network.named_parameters().Select(p => p.name).Order());
        var x = linspace(-3, 3, 16).reshape(8, 2);
        var labels = linspace(-1, 2, 8);
        Assert.True((trained.Network.forward(x, labels, Condition.None) - fresh.Network.forward(x, labels, Condition.None)).abs().max().item<float>() > 1e-4,
            "the classifier kept the file's weights");
    }

    [SkippableFact]
    public void Bench_times_a_TorchScript_baseline_against_GenNegs_own_backbone_of_the_same_keys()
    {
        var python = PythonWithTorch.Require();
        using var folder = new TempFolder();
        var file = TraceF(python, folder);
        var json = folder.Combine("bench.json");
        var output = new StringWriter();
        var error = new StringWriter();
        var code = Cli.GenNegCli.Run(["bench", "--json", json, "--set", "model.backbone=torchscript", "--set", $"model.torchscript={file}",
            "--set", "device=cpu", "--set", "sampler.batch_size=400", "--set", "sampler.steps=4", "--set", "train.batch_size=200",
            "--set", "genneg.classifier.batch_size=256", "--set", "model.hidden=32", "--set", "model.blocks=1"], output, error);
        Assert.True(code == 0, error.ToString());
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json));
        var figures = document.RootElement.EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("value").GetDouble());
        // The file's F is Linear(3, 32) then Linear(32, 2): 3 x 32 + 32 + 32 x 2 + 2 = 194 parameters.
        var own = Assert.Single(figures.Keys, k => k.StartsWith("sampler step, GenNeg's own 32-wide backbone", StringComparison.Ordinal));
        Assert.EndsWith("; the file's 194)", own, StringComparison.Ordinal);
        Assert.InRange(figures["TorchScript step / GenNeg's own backbone step"], 0.01, 100);
        Assert.DoesNotContain(figures.Keys, k => k.StartsWith("sampler step, GenNeg's own", StringComparison.Ordinal) && k != own);
    }

    /// <summary>A whole DDPM epsilon-predictor eps(x_t, t) of PyTorch code, t the int64 step index (a table lookup), and a script that runs a saved one.</summary>
    private const string EpsilonScript = """
        import sys, numpy, torch
        torch.manual_seed(0)
        class Eps(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.step = torch.nn.Embedding(100, 8)
                self.a = torch.nn.Linear(2 + 8, 32)
                self.b = torch.nn.Linear(32, 2)
            def forward(self, x, t):
                return self.b(torch.nn.functional.silu(self.a(torch.cat([x, self.step(t)], 1))))
        folder = sys.argv[1]
        x, t = torch.linspace(-3, 3, 16).reshape(8, 2), torch.tensor([0, 1, 5, 10, 30, 50, 90, 99])
        if sys.argv[2] == "trace":
            torch.jit.trace(Eps().eval(), (torch.zeros(4, 2), torch.zeros(4, dtype=torch.long))).save(folder + "/eps.pt")
        elif sys.argv[2] == "export":
            # The fallback without TorchScript: genneg export's safetensors into the class that made the file.
            import json
            sys.path.insert(0, sys.argv[4])
            from genneg_torch import load_safetensors
            entry = json.load(open(sys.argv[3] + "/model.json"))["networks"][0]
            names = entry["backbone"]["state_dict_names"]
            weights = load_safetensors(sys.argv[3] + "/" + entry["file"])
            net = Eps()
            net.load_state_dict({names[key[len("network."):]]: value for key, value in weights.items()}, strict=True)
            numpy.save(folder + "/export_out.npy", net(x, t).detach().numpy())
        else:
            # What a PyTorch user does with the distilled file: no GenNeg code.
            net = torch.jit.load(sys.argv[2])
            numpy.save(folder + "/distilled_out.npy", net(x, t).detach().numpy())
        """;

    [SkippableFact]
    public void A_PyTorch_DDPM_epsilon_predictor_runs_Gen_neG_and_its_distilled_copy_runs_in_PyTorch_alone()
    {
        var python = PythonWithTorch.Require();
        using var folder = new TempFolder();
        var script = folder.Combine("eps.py");
        File.WriteAllText(script, EpsilonScript);
        var traced = PythonWithTorch.Run(python, script, folder.Path, "trace");
        Assert.True(traced.Code == 0, traced.Error);
        var file = folder.Combine("eps.pt");

        // D(x; sigma) = x - sigma eps(x_t, t - 1) with x_t = sqrt(abar_t) x: the formalism's math, the file's network.
        var model = new Configuration.ModelConfig
        {
            Formalism = "ddpm", Timesteps = 100, Backbone = TorchScriptBackbone.BackboneName, Torchscript = file, TorchscriptContract = "ddpm_epsilon",
        };
        using var denoiser = TestModels.Denoiser(model, dimension: 2, seed: 1);
        var schedule = DdpmSchedule.Create("linear", 100, 1e-4, 0.02);
        int[] steps = [1, 2, 50, 100];
        var sigma = tensor(steps.Select(t => (float)schedule.Sigma(t)).ToArray());
        var x = tensor(new[] { 0.5f, -1, 2, 0.25f, -3, 1, 0, 4 }).reshape(4, 2);
        var xt = x * tensor(steps.Select(t => (float)Math.Sqrt(schedule.AlphaBar(t))).ToArray()).unsqueeze(1);
        var eps = denoiser.Network.forward(xt, tensor(steps.Select(t => (long)t - 1).ToArray()), Condition.None);
        var byHand = x - sigma.unsqueeze(1) * eps;
        Assert.Equal(byHand.data<float>().ToArray(), denoiser.Denoise(x, sigma, Condition.None).data<float>().ToArray(), new FloatTolerance(1e-5f));

        // Baseline, one iteration and a distillation on the checkerboard, at tiny budgets.
        using var config = new TempFolder();
        var run = folder.Combine("run");
        var pipeline = ReliabilityTests.Cli("pipeline", TinyRun.WriteConfig(config, TinyRun.PipelineYaml), "-r", run, "--set", "train.iterations=30",
            "--set", "model.formalism=ddpm", "--set", "model.timesteps=100", "--set", "sampler.name=ancestral", "--set", "model.backbone=torchscript",
            "--set", $"model.torchscript={file}", "--set", "model.torchscript_contract=ddpm_epsilon");
        Assert.True(pipeline.Code == 0, pipeline.Error);
        AssertFiniteMetrics(run, "genneg-1");
        AssertFiniteMetrics(run, "distilled-1");

        // The distilled stage's file runs in PyTorch alone and computes what GenNeg's distilled network computes.
        var saved = Path.Combine(run, "distilled-1", Workflows.Distillation.TorchScriptFile);
        var ran = PythonWithTorch.Run(python, script, folder.Path, saved);
        Assert.True(ran.Code == 0, ran.Error);
        using var distilled = TestModels.Builder(model, 2).LoadDenoiser(Path.Combine(run, "distilled-1", "denoiser.bin"), seed: 3);
        var inputs = linspace(-3, 3, 16).reshape(8, 2);
        var ours = distilled.Network.forward(inputs, tensor(new long[] { 0, 1, 5, 10, 30, 50, 90, 99 }), Condition.None);
        using var baseline = TestModels.Builder(model, 2).LoadDenoiser(Path.Combine(run, "baseline", "denoiser.bin"), seed: 3);
        Assert.True((ours - baseline.Network.forward(inputs, tensor(new long[] { 0, 1, 5, 10, 30, 50, 90, 99 }), Condition.None)).abs().max().item<float>() > 1e-6,
            "distillation left the network's weights as they were");
        Assert.Equal(ours.data<float>().ToArray(), NpyFile.Read(folder.Combine("distilled_out.npy")).Values, new FloatTolerance(1e-5f));

        // genneg export writes the same weights under the module's own names, for PyTorch code that has the module's class.
        var exported = folder.Combine("export");
        var export = ReliabilityTests.Cli("export", "--run", run, "--stage", "distilled-1", "--out", exported);
        Assert.True(export.Code == 0, export.Error);
        var fromExport = PythonWithTorch.Run(python, script, folder.Path, "export", exported, Repository.File(Path.Combine("samples", "PyTorchExport")));
        Assert.True(fromExport.Code == 0, fromExport.Error);
        Assert.Equal(ours.data<float>().ToArray(), NpyFile.Read(folder.Combine("export_out.npy")).Values, new FloatTolerance(1e-5f));
    }

    /// <summary>Networks of the wrong kind for the data, each saved by PyTorch.</summary>
    private const string WrongScript = """
        import sys, torch
        folder = sys.argv[1]
        class Three(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.a = torch.nn.Linear(3, 3)
            def forward(self, x, c):
                return self.a(torch.cat([x, c.unsqueeze(1)], 1))
        class OneInput(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.a = torch.nn.Linear(2, 2)
            def forward(self, x):
                return self.a(x)
        torch.jit.trace(Three(), (torch.zeros(4, 2), torch.zeros(4))).save(folder + "/three.pt")
        torch.jit.trace(OneInput(), (torch.zeros(4, 2),)).save(folder + "/one_input.pt")
        """;

    [SkippableFact]
    public void A_file_that_cannot_serve_is_refused_with_one_line_naming_it()
    {
        var python = PythonWithTorch.Require();
        using var folder = new TempFolder();
        var script = folder.Combine("wrong.py");
        File.WriteAllText(script, WrongScript);
        var made = PythonWithTorch.Run(python, script, folder.Path);
        Assert.True(made.Code == 0, made.Error);
        var junk = folder.Combine("junk.pt");
        File.WriteAllText(junk, "not a model");
        using var config = new TempFolder();
        var yaml = TinyRun.WriteConfig(config);

        string Refusal(string file, params string[] more)
        {
            var run = folder.Combine("run-" + Path.GetFileNameWithoutExtension(file));
            var result = ReliabilityTests.Cli(["train-baseline", "-c", yaml, "-r", run, "--set", "model.backbone=torchscript", "--set", $"model.torchscript={file}", .. more]);
            Assert.Equal(2, result.Code);
            Assert.False(Directory.Exists(Path.Combine(run, "baseline")), "a refused file left a stage behind");
            var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            return line;
        }

        Assert.Contains($"config key 'model.torchscript': file '{folder.Combine("missing.pt")}' does not exist", Refusal(folder.Combine("missing.pt")));
        Assert.Contains($"config key 'model.torchscript': '{junk}': cannot load it as TorchScript (torch.jit.save): PytorchStreamReader failed reading zip archive: not a ZIP archive",
            Refusal(junk));
        Assert.Contains($"config key 'model.torchscript': '{folder.Combine("three.pt")}': its forward returns [2, 3] for x [2, 2] float32 and a noise label [2] float32; expected [2, 2], shaped like x",
            Refusal(folder.Combine("three.pt")));
        Assert.Contains($"config key 'model.torchscript': '{folder.Combine("one_input.pt")}': its forward does not take (x [2, 2] float32 and a noise label [2] float32): Expected at most 2 argument(s) for operator 'forward', but received 3",
            Refusal(folder.Combine("one_input.pt")));
        Assert.Contains("config key 'model.torchscript_contract' (ddpm_epsilon) needs model.formalism: ddpm; it is edm",
            Refusal(folder.Combine("three.pt"), "--set", "model.torchscript_contract=ddpm_epsilon"));
    }

    private static void AssertFiniteMetrics(string run, string stage)
    {
        using var metrics = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")));
        var figures = metrics.RootElement.GetProperty(stage);
        foreach (var name in new[] { "infraction_rate", "mmd", "elbo" })
            Assert.True(double.IsFinite(figures.GetProperty(name).GetDouble()), $"{stage}: {name} is not finite");
    }

    private sealed class FloatTolerance(float epsilon) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= epsilon;
        public int GetHashCode(float value) => 0;
    }
}
