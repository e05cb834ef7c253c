using System.CommandLine;
using System.Text.Json;
using GenNeg.Configuration;
using GenNeg.Metrics;
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
    private readonly Option<int?> shard = CommonOptions.Shard();
    private readonly Option<int?> shards = CommonOptions.Shards();
    private readonly Option<bool> merge = new("--merge")
    {
        Description = "With --shards N: draw nothing, merge the N parts of a sharded evaluation and record the figures (every part must be there)",
    };

    public EvaluateCommand(CliEnvironment environment)
        : base("evaluate", "Measure a stage: infraction rate, MMD to held-out data, ELBO (EDM, nats per example) or r-ELBO (DDPM); saved to metrics.json. With --shard I --shards N the sampling is split over processes; the last shard (or --merge) records the figures.")
    {
        Options.Add(run);
        Options.Add(stage);
        Options.Add(samples);
        Options.Add(json);
        Options.Add(device);
        likelihood.AcceptOnlyFromAmong([.. LikelihoodModes.Names]);
        Options.Add(likelihood);
        Options.Add(shard);
        Options.Add(shards);
        Options.Add(merge);
        SetAction(parse =>
        {
            // Shards draw beside each other, so they take no lock; the one that merges takes it for the merge alone.
            var sharded = parse.GetValue(merge) || parse.GetValue(shard) is not null || parse.GetValue(shards) is not null;
            return sharded
                ? CommandRunner.Execute(environment, parse.GetValue(run), parse, loggers => RunSharded(environment, parse, loggers),
                    RunAccess.Read, "nothing was recorded; a part is kept only when its shard finished drawing it; run the same command again")
                : CommandRunner.Execute(environment, parse.GetValue(run), parse, loggers => RunWhole(environment, parse, loggers),
                    RunAccess.Write, "nothing was recorded (an evaluation is not resumable); run evaluate again");
        });
    }

    private EvaluationRequest Request(ParseResult parse) =>
        new(parse.GetRequiredValue(run), parse.GetValue(stage), parse.GetValue(samples), parse.GetValue(likelihood), parse.GetValue(device));

    private int RunSharded(CliEnvironment environment, ParseResult parse, ILoggerFactory loggers)
    {
        ShardedEvaluationRequest request;
        if (parse.GetValue(merge))
        {
            if (parse.GetValue(shard) is not null) throw new GenNegException("give --shard to draw a part or --merge to merge the parts, not both");
            var count = parse.GetValue(shards) ?? throw new GenNegException("--merge needs --shards N, the number of parts to merge");
            request = new ShardedEvaluationRequest(Request(parse), count, null);
        }
        else
        {
            var spec = CommonOptions.ResolveShard(parse, shard, shards);
            request = new ShardedEvaluationRequest(Request(parse), spec.Count, spec.Index);
        }
        var result = environment.Progress.Show(progress =>
            new ShardedEvaluation(loggers.CreateLogger<ShardedEvaluation>(), environment.Registries).Run(request, progress, environment.Cancellation));
        if (result.Metrics is { } metrics)
        {
            Print(environment, parse, metrics, $", {request.Shards} parts");
            return ExitCodes.Success;
        }
        environment.Output.WriteLine($"{result.Part}: {(result.AlreadyDrawn ? "already drawn" : "drawn")}; '{result.Stage}' is not merged yet: {result.Pending}");
        return ExitCodes.Success;
    }

    private int RunWhole(CliEnvironment environment, ParseResult parse, ILoggerFactory loggers)
    {
        var request = Request(parse);
        var metrics = environment.Progress.Show(progress =>
            new Evaluation(loggers.CreateLogger<Evaluation>(), environment.Registries).Run(request, progress, environment.Cancellation));
        Print(environment, parse, metrics, "");
        return ExitCodes.Success;
    }

    private void Print(CliEnvironment environment, ParseResult parse, StageMetrics metrics, string parts) =>
        environment.Output.WriteLine(parse.GetValue(json)
            ? JsonSerializer.Serialize(metrics, JsonOutput)
            : $"{metrics.Stage}: {metrics.Summary} " +
              $"({metrics.Samples:N0} samples{parts}, {metrics.SamplingSteps} steps, {metrics.Seconds:F1} s)");
}
