using System.CommandLine;
using System.Text.Json;
using GenNeg.Workflows;
using Microsoft.Extensions.Logging;

namespace GenNeg.Cli.Commands;

/// <summary>genneg evaluate: infraction rate, MMD and ELBO (or r-ELBO) of a stage, recorded in metrics.json.</summary>
internal sealed class EvaluateCommand : Command
{
    private static readonly JsonSerializerOptions JsonOutput = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly Option<string> run = CommonOptions.Run();
    private readonly Option<string?> stage = CommonOptions.Stage();
    private readonly Option<long?> samples = new("--samples") { Description = "Samples for the infraction rate (default: evaluate.samples)" };
    private readonly Option<bool> json = new("--json") { Description = "Print the figures as one JSON object" };
    private readonly Option<string?> device = CommonOptions.Device();
    private readonly Option<string?> likelihood = new("--likelihood")
    {
        Description = "bound: the ELBO (DDPM: r-ELBO); exact: also the NLL from the probability-flow ODE (default: evaluate.likelihood)",
    };

    public EvaluateCommand(CliEnvironment environment)
        : base("evaluate", "Measure a stage: infraction rate, MMD to held-out data, ELBO (EDM, nats per example) or r-ELBO (DDPM); saved to metrics.json.")
    {
        Options.Add(run);
        Options.Add(stage);
        Options.Add(samples);
        Options.Add(json);
        Options.Add(device);
        likelihood.AcceptOnlyFromAmong("bound", "exact");
        Options.Add(likelihood);
        SetAction(parse => CommandRunner.Execute(environment, parse.GetValue(run), parse, loggers =>
        {
            var request = new EvaluationRequest(parse.GetRequiredValue(run), parse.GetValue(stage), parse.GetValue(samples), parse.GetValue(likelihood), parse.GetValue(device));
            var metrics = environment.Progress.Show(progress =>
                new Evaluation(loggers.CreateLogger<Evaluation>(), environment.Registries).Run(request, progress, environment.Cancellation));
            environment.Output.WriteLine(parse.GetValue(json)
                ? JsonSerializer.Serialize(metrics, JsonOutput)
                : $"{metrics.Stage}: {metrics.Summary} " +
                  $"({metrics.Samples:N0} samples, {metrics.SamplingSteps} steps, {metrics.Seconds:F1} s)");
            return ExitCodes.Success;
        }, RunAccess.Write, "nothing was recorded (an evaluation is not resumable); run evaluate again"));
    }
}
