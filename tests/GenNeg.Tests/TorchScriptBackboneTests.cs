using GenNeg.Data;
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
