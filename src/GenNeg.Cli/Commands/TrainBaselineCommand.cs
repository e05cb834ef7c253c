using System.CommandLine;
using GenNeg.Configuration;
using GenNeg.Runs;
using GenNeg.Workflows;

namespace GenNeg.Cli.Commands;

/// <summary>genneg train-baseline: Algorithm 1, line 1.</summary>
internal sealed class TrainBaselineCommand : Command
{
    private readonly Option<string?> config = CommonOptions.Config();
    private readonly Option<string> run = CommonOptions.Run();
    private readonly Option<bool> resume = new("--resume") { Description = "Continue an interrupted run from its last checkpoint (same final weights as an uninterrupted run)" };
    private readonly Option<bool> asIs = new("--as-is")
    {
        Description = "Take the network of model.torchscript (a model trained in PyTorch) as the baseline, without training it",
    };
    private readonly Option<string[]> set = CommonOptions.Set();
    private readonly Option<string?> device = CommonOptions.Device();

    public TrainBaselineCommand(CliEnvironment environment)
        : base("train-baseline", "Train the baseline diffusion model on the data set. Ctrl+C saves a checkpoint; --resume continues.")
    {
        Options.Add(config);
        Options.Add(run);
        Options.Add(resume);
        Options.Add(asIs);
        Options.Add(set);
        Options.Add(device);
        SetAction(parse => CommandRunner.Execute(environment, parse.GetValue(run), parse, loggers =>
        {
            var runPath = parse.GetRequiredValue(run);
            var overrides = CommonOptions.Overrides(parse, set, device);
            var configPath = parse.GetValue(config);
            var resolved = configPath is not null
                ? ConfigLoader.LoadFile(configPath, environment.Registries.ConfigSchema, overrides)
                : parse.GetValue(resume)
                    ? RunFolder.Open(runPath).LoadConfig(environment.Registries.ConfigSchema, overrides)
                    : throw new GenNegException("--config is required for a new run (with --resume the run's own config.yaml is used)");

            var request = new BaselineTrainingRequest(resolved, runPath, parse.GetValue(resume), parse.GetValue(asIs));
            var stage = environment.Progress.Show(runPath, progress =>
                new BaselineTraining(loggers, environment.Registries).Run(request, progress, environment.Cancellation));
            environment.Output.WriteLine(parse.GetValue(asIs) ? $"Recorded stage '{stage.Name}' from {resolved.Model.Torchscript} in {runPath}" : $"Trained stage '{stage.Name}' in {runPath}");
            return ExitCodes.Success;
        }, parse.GetValue(resume) ? RunAccess.Write : RunAccess.Create, "training state saved to the last checkpoint; run the same command with --resume to continue"));
    }
}
