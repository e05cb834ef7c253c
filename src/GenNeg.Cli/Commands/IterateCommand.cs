using System.CommandLine;
using GenNeg.Guidance;
using GenNeg.Runs;
using GenNeg.Workflows;

namespace GenNeg.Cli.Commands;

/// <summary>genneg iterate: one or more Gen-neG iterations on a run's current model.</summary>
internal sealed class IterateCommand : Command
{
    private readonly Option<string> run = CommonOptions.Run();
    private readonly Option<string?> oracle = new("--oracle") { Description = "Oracle that labels samples (default: the config's oracle)" };
    private readonly Option<int> iterations = new("--iterations", "-k") { Description = "Iterations to run in a row", DefaultValueFactory = _ => 1 };
    private readonly Option<int?> perClass = new("--per-class") { Description = "N: valid and invalid samples each in the classifier's data set (default: genneg.per_class)" };
    private readonly Option<string?> stage = new("--stage") { Description = "Stage to build on (default: the newest); only for the first iteration" };
    private readonly Option<string?> draw = new("--draw")
    {
        Description = "How to draw the synthetic set: standard (from the current model) or sis (sequential importance sampling from a proposal; default: genneg.draw)",
    };
    private readonly Option<string?> proposal = new("--proposal")
    {
        Description = "With --draw sis: the proposal stage (default: genneg.sis.proposal, the baseline), or current for the stage built on at genneg.sis.proposal_guidance_scale",
    };
    private readonly Option<string[]> set = CommonOptions.Set();
    private readonly Option<string?> device = CommonOptions.Device();
    private readonly Option<bool> discard = new("--discard") { Description = "Delete the unfinished iteration (interrupted or failed) instead of resuming it, then stop" };

    public IterateCommand(CliEnvironment environment)
        : base("iterate", "Run Gen-neG iterations: draw balanced synthetic data, train an importance-weighted classifier, stack it, evaluate.")
    {
        Options.Add(run);
        Options.Add(oracle);
        Options.Add(iterations);
        Options.Add(perClass);
        Options.Add(stage);
        Options.Add(draw);
        Options.Add(proposal);
        Options.Add(set);
        Options.Add(device);
        Options.Add(discard);
        SetAction(parse => CommandRunner.Execute(environment, parse.GetValue(run), parse, loggers =>
        {
            if (parse.GetValue(discard))
            {
                var discarded = UnfinishedIteration.Discard(RunFolder.Open(parse.GetRequiredValue(run)));
                environment.Output.WriteLine(discarded is null ? "no unfinished iteration to discard" : $"discarded the unfinished iteration '{discarded}'");
                return ExitCodes.Success;
            }
            var count = parse.GetValue(iterations);
            if (count < 1) throw new GenNegException($"--iterations must be at least 1, got {count}");
            var overrides = CommonOptions.Overrides(parse, set, device);
            if (parse.GetValue(oracle) is { } name) overrides.Add($"oracle={name}");
            if (parse.GetValue(perClass) is { } n) overrides.Add($"genneg.per_class={n}");
            if (parse.GetValue(draw) is { } method) overrides.Add($"genneg.draw={method}");
            if (parse.GetValue(proposal) is { } proposalStage)
            {
                // A proposal steers sequential importance sampling only: with the standard drawing it would be ignored unseen.
                if (RunFolder.Open(parse.GetRequiredValue(run)).LoadConfig(environment.Registries.ConfigSchema, overrides).Genneg.Draw != DrawMethods.Sis)
                    throw new GenNegException($"--proposal applies only to --draw {DrawMethods.Sis}; add --draw {DrawMethods.Sis} or leave out --proposal");
                overrides.Add($"genneg.sis.proposal={proposalStage}");
            }

            var workflow = new GenNegIteration(loggers, environment.Registries);
            for (var i = 0; i < count; i++)
            {
                var request = new IterationRequest(parse.GetRequiredValue(run), overrides, i == 0 ? parse.GetValue(stage) : null);
                var result = environment.Progress.Show(request.RunPath, progress => workflow.Run(request, progress, environment.Cancellation));
                var c = result.Classifier;
                var m = result.Metrics;
                environment.Output.WriteLine(
                    $"{result.Stage.Name}: alpha {c.Alpha:F4} ({c.Drawn:N0} drawn, {c.NegativesDrawn:N0} invalid), drawing {c.DrawSeconds:F0} s, " +
                    $"classifier {c.TrainSeconds:F0} s; {m.Summary}, sampling {m.SamplingSeconds:F0} s");
                if (c.Importance is { } sis)
                    environment.Output.WriteLine(
                        $"{result.Stage.Name}: drawn by sequential importance sampling from {sis.Proposal} with {sis.Sampler} over {sis.Steps} steps; " +
                        $"effective sample size {sis.PositiveEss:N0} of {c.TrainPositives:N0} valid, {sis.NegativeEss:N0} of {c.TrainNegatives:N0} invalid");
            }
            return ExitCodes.Success;
        }, RunAccess.Write, "the iteration's draws and classifier checkpoint are saved; run iterate again with the same options to continue it, " +
           "or iterate --discard to drop it"));
    }
}
