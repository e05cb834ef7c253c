using System.CommandLine;
using GenNeg.Workflows;

namespace GenNeg.Cli.Commands;

/// <summary>genneg rescale: a stage's networks at another guidance scale, recorded as a new stage and evaluated.</summary>
internal sealed class RescaleCommand : Command
{
    private readonly Option<string> run = CommonOptions.Run();
    private readonly Option<string?> stage = new("--stage") { Description = "Stage whose classifier stack to rescale (default: the newest)" };
    private readonly Option<double> guidanceScale = new("--guidance-scale")
    {
        Description = "The new stage's multiplier of the stack's gradient (1 is the method; more cuts infractions harder and moves samples further from the data)",
        Required = true,
    };
    private readonly Option<string?> name = new("--name") { Description = "Name of the new stage (default: rescaled-STAGE-xSCALE, e.g. rescaled-genneg-4-x2)" };
    private readonly Option<long?> samples = new("--samples") { Description = "Samples for the new stage's evaluation (default: evaluate.samples)" };
    private readonly Option<string?> device = CommonOptions.Device();

    public RescaleCommand(CliEnvironment environment)
        : base("rescale", "Record a stage that samples with another stage's denoiser and classifiers at another guidance scale, and evaluate it; nothing is trained.")
    {
        Options.Add(run);
        Options.Add(stage);
        Options.Add(guidanceScale);
        Options.Add(name);
        Options.Add(samples);
        Options.Add(device);
        SetAction(parse => CommandRunner.Execute(environment, parse.GetValue(run), parse, loggers =>
        {
            var request = new RescalingRequest(parse.GetRequiredValue(run), parse.GetValue(stage), parse.GetValue(guidanceScale),
                parse.GetValue(name), parse.GetValue(samples), parse.GetValue(device));
            var (rescaled, metrics) = environment.Progress.Show(request.RunPath, progress =>
                new Rescaling(loggers, environment.Registries).Run(request, progress, environment.Cancellation));
            environment.Output.WriteLine($"{rescaled.Name}: {metrics.Summary}");
            return ExitCodes.Success;
        }, RunAccess.Write, "nothing was recorded (the new stage is recorded once it is evaluated); run rescale again"));
    }
}
