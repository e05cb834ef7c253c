using System.Globalization;
using System.Text.RegularExpressions;

namespace GenNeg.Tests;

/// <summary>
/// samples/PyTorchModel end to end at a small budget: a model trained by its script, evaluated by GenNeg, sampled in
/// PyTorch alone by its sampling script; both rates come from the same network and the same sampler.
/// </summary>
public class PyTorchSampleTests
{
    [SkippableTheory]
    [InlineData("train_checkerboard_edm.py", "edm_denoiser", "configs/checkerboard-quick.yaml")]
    [InlineData("train_checkerboard_ddpm.py", "ddpm_epsilon", "configs/checkerboard-ddpm-quick.yaml")]
    public void The_sample_scripts_sample_an_imported_model_at_the_rate_GenNeg_measures(string trainer, string contract, string config)
    {
        var python = PythonWithTorch.Require();
        using var folder = new TempFolder();
        var samples = Repository.File(Path.Combine("samples", "PyTorchModel"));
        var file = folder.Combine("model.pt");
        var trained = PythonWithTorch.Run(python, Path.Combine(samples, trainer), "--steps", "300", "--out", file);
        Assert.True(trained.Code == 0, trained.Error);

        const int count = 4000;
        var run = folder.Combine("run");
        var imported = ReliabilityTests.Cli("train-baseline", "-c", Repository.File(config), "-r", run, "--as-is", "--set", "model.backbone=torchscript",
            "--set", $"model.torchscript={file}", "--set", $"model.torchscript_contract={contract}", "--set", $"evaluate.samples={count}",
            "--set", "evaluate.mmd_samples=200", "--set", "evaluate.elbo_noise_draws=1", "--set", "evaluate.likelihood=bound");
        Assert.True(imported.Code == 0, imported.Error);
        var evaluated = ReliabilityTests.Cli("evaluate", "-r", run, "--stage", "baseline");
        Assert.True(evaluated.Code == 0, evaluated.Error);
        using var metrics = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")));
        var ours = metrics.RootElement.GetProperty("baseline").GetProperty("infraction_rate").GetDouble();

        var sampled = PythonWithTorch.RunForOutput(python, Path.Combine(samples, "sample_checkerboard.py"), file, "--contract", contract, "--samples", $"{count}");
        Assert.True(sampled.Code == 0, sampled.Error);
        var match = Regex.Match(sampled.Output, @"infraction rate ([0-9.]+) % \(standard error ([0-9.]+) %\) over 4000 samples");
        Assert.True(match.Success, sampled.Output);
        var theirs = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) / 100;

        // Two independent estimates of one rate: their difference has standard error sqrt(2 p (1 - p) / n).
        var p = (ours + theirs) / 2;
        var standardError = Math.Sqrt(2 * p * (1 - p) / count);
        Assert.True(p > 0.02 && p < 0.98, $"a rate of {p:P1} says little about the samplers");
        Assert.True(Math.Abs(ours - theirs) < 4 * standardError, $"GenNeg measured {ours:P2}, the script {theirs:P2} (standard error of the difference {standardError:P2})");
    }
}
