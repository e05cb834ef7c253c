using GenNeg.Cli;
using GenNeg.Sharding;

namespace GenNeg.Tests;

public class ShardingTests
{
    private const string TinyGenneg =
        "genneg: { per_class: 40, min_per_class: 10, draw_batch_size: 50, max_draws: 20000, shard_blocks: 12, classifier: { iterations: 20, batch_size: 128, learning_rate: 3.0e-3, checkpoint_every: 10 } }\n";

    private static (int Code, string Output, string Error) Cli(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = GenNegCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static void Ok(params string[] args)
    {
        var (code, _, error) = Cli(args);
        Assert.True(code == 0, error);
    }

    private static string Copy(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return to;
    }

    private static string TrainTinyBaseline(TempFolder folder)
    {
        var config = TinyRun.WriteConfig(folder, TinyRun.Yaml + "\n" + TinyGenneg);
        var run = folder.Combine("baseline-run");
        Ok("train-baseline", "--config", config, "--run", run, "--set", "train.iterations=20");
        return run;
    }

    private static void DrawShards(string run, int count, IEnumerable<int> order)
    {
        foreach (var i in order) Ok("draw", "--run", run, "--shard", $"{i}", "--shards", $"{count}");
    }

    [Fact]
    public void Block_seeds_differ_by_block_and_seed_and_never_depend_on_the_shard_count()
    {
        var seeds = Enumerable.Range(0, 100).Select(b => BlockSeeds.For(42, b)).ToList();
        Assert.Equal(100, seeds.Distinct().Count());
        Assert.All(seeds, s => Assert.True(s >= 0));
        Assert.NotEqual(BlockSeeds.For(42, 0), BlockSeeds.For(43, 0));
        Assert.Equal(BlockSeeds.For(42, 7), BlockSeeds.For(42, 7));
        Assert.DoesNotContain(BlockSeeds.For(42, BlockSeeds.AfterBlocks), seeds);
    }

    [Fact]
    public void Shards_split_the_blocks_round_robin_and_together_cover_each_once()
    {
        var plan = new BlockPlan(BlockSize: 10, MaxDraws: 95, Blocks: 10);
        Assert.Equal([1L, 4, 7], plan.BlocksOf(new ShardSpec(1, 3)));
        var all = Enumerable.Range(0, 3).SelectMany(i => plan.BlocksOf(new ShardSpec(i, 3))).Order();
        Assert.Equal(Enumerable.Range(0, 10).Select(b => (long)b), all);
        Assert.Equal(5, plan.SizeOf(9));
        Assert.Equal(10, BlockPlan.From(new GenNeg.Guidance.DrawSettings(5, 10, 95, true), 0).Blocks);
        Assert.Equal(4, BlockPlan.From(new GenNeg.Guidance.DrawSettings(5, 10, 95, true), 4).Blocks);
    }

    [Fact]
    public void The_shard_comes_from_options_or_the_cluster_environment_with_clear_errors()
    {
        static Func<string, string?> Env(params (string Name, string Value)[] variables) =>
            name => variables.FirstOrDefault(v => v.Name == name).Value;

        Assert.Equal(new ShardSpec(2, 5), ShardSpec.Resolve(2, 5, Env()));
        Assert.Equal(new ShardSpec(2, 4), ShardSpec.Resolve(null, null,
            Env(("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_COUNT", "4"))));
        Assert.Equal(new ShardSpec(3, 8), ShardSpec.Resolve(null, 8, Env(("JOB_COMPLETION_INDEX", "3"))));
        Assert.Contains("no shard index", Assert.Throws<GenNegException>(() => ShardSpec.Resolve(null, 4, Env())).Message);
        Assert.Contains("no shard count: give --shards", Assert.Throws<GenNegException>(() => ShardSpec.Resolve(null, null, Env(("JOB_COMPLETION_INDEX", "0")))).Message);
        Assert.Contains("JOB_COMPLETION_INDEX='x'", Assert.Throws<GenNegException>(() => ShardSpec.Resolve(null, 2, Env(("JOB_COMPLETION_INDEX", "x")))).Message);
        Assert.Contains("must be in 0..3", Assert.Throws<GenNegException>(() => new ShardSpec(4, 4)).Message);
    }

    [Fact]
    public void One_four_and_reordered_shards_give_identical_sets_alpha_and_classifier()
    {
        using var folder = new TempFolder();
        var baseline = TrainTinyBaseline(folder);
        var one = Copy(baseline, folder.Combine("one"));
        var four = Copy(baseline, folder.Combine("four"));
        var reordered = Copy(baseline, folder.Combine("reordered"));
        DrawShards(one, 1, [0]);
        DrawShards(four, 4, [0, 1, 2, 3]);
        DrawShards(reordered, 4, [3, 1, 0, 2]);
        foreach (var run in new[] { one, four, reordered }) Ok("iterate", "--run", run);

        foreach (var file in new[] { "genneg-1/draws.bin", "genneg-1/classifier.bin" })
        {
            var expected = File.ReadAllBytes(Path.Combine(one, file));
            Assert.Equal(expected, File.ReadAllBytes(Path.Combine(four, file)));
            Assert.Equal(expected, File.ReadAllBytes(Path.Combine(reordered, file)));
        }
        var alphas = new[] { one, four, reordered }
            .Select(run => GenNeg.Runs.RunFolder.Open(run).LoadManifest().Find("genneg-1")!.Classifiers[0])
            .Select(c => (c.Alpha, c.Drawn, c.TrainPositives, c.TrainNegatives)).Distinct().ToList();
        var only = Assert.Single(alphas);
        Assert.Equal(40, only.TrainPositives);
        Assert.Equal(40, only.TrainNegatives);
        // The merge stops at the first block that completes N of each class: a whole number of blocks, within the budget.
        Assert.Equal(0, only.Drawn % 50);
        Assert.InRange(only.Drawn, 100, 600);
    }

    [Fact]
    public void Iterate_refuses_missing_or_foreign_shards_naming_them_and_a_redraw_changes_nothing()
    {
        using var folder = new TempFolder();
        var run = TrainTinyBaseline(folder);
        DrawShards(run, 3, [0, 2]);
        var shard = Path.Combine(run, "genneg-1/shards/draws-0000-of-0003.bin");
        var before = File.ReadAllBytes(shard);
        var (code, output, _) = Cli("draw", "--run", run, "--shard", "0", "--shards", "3");
        Assert.Equal(0, code);
        Assert.Contains("already drawn", output);
        Assert.Equal(before, File.ReadAllBytes(shard));

        var missing = Cli("iterate", "--run", run);
        Assert.Equal(2, missing.Code);
        Assert.Equal("error: shard 'genneg-1/shards/draws-0001-of-0003.bin' is missing; draw it with: genneg draw --run " + run + " --shard 1 --shards 3",
            missing.Error.Trim());

        // A shard from another iteration (here: another seed) is refused by its fingerprint.
        using var otherFolder = new TempFolder();
        var other = TrainTinyBaseline(otherFolder);
        File.WriteAllText(Path.Combine(other, "config.yaml"), File.ReadAllText(Path.Combine(other, "config.yaml")).Replace("seed: 3", "seed: 4"));
        DrawShards(other, 3, [1]);
        File.Copy(Path.Combine(other, "genneg-1/shards/draws-0001-of-0003.bin"), Path.Combine(run, "genneg-1/shards/draws-0001-of-0003.bin"));
        var foreign = Cli("iterate", "--run", run);
        Assert.Equal(2, foreign.Code);
        Assert.StartsWith("error: shard 'genneg-1/shards/draws-0001-of-0003.bin' belongs to another iteration", foreign.Error.Trim());
        Assert.Single(foreign.Error.Trim().Split('\n'));
        Assert.False(File.Exists(Path.Combine(run, "genneg-1/draws.bin")));
    }

    [Fact]
    public void Draw_without_a_shard_index_says_how_to_give_one()
    {
        using var folder = new TempFolder();
        var (code, _, error) = Cli("draw", "--run", folder.Combine("none"), "--shards", "2");
        Assert.Equal(2, code);
        if (Environment.GetEnvironmentVariable("SLURM_ARRAY_TASK_ID") is null && Environment.GetEnvironmentVariable("JOB_COMPLETION_INDEX") is null)
            Assert.StartsWith("error: no shard index: give --shard", error.Trim());
    }

    [Fact]
    public void Sharded_sampling_gives_the_same_samples_for_one_and_three_shards_once_every_part_is_there()
    {
        using var folder = new TempFolder();
        var run = TrainTinyBaseline(folder);
        var one = folder.Combine("one.csv");
        var three = folder.Combine("three.csv");
        Ok("sample", "--run", run, "-n", "900", "--out", one, "--shard", "0", "--shards", "1");
        foreach (var i in new[] { 2, 0 })
        {
            var (code, output, _) = Cli("sample", "--run", run, "-n", "900", "--out", three, "--shard", $"{i}", "--shards", "3");
            Assert.Equal(0, code);
            Assert.Contains("waits for the other parts", output);
        }
        Assert.False(File.Exists(three));
        Ok("sample", "--run", run, "-n", "900", "--out", three, "--shard", "1", "--shards", "3");
        Assert.Equal(File.ReadAllText(one), File.ReadAllText(three));
        Assert.Equal(901, File.ReadAllLines(three).Length);
    }

    /// <summary>The tiny baseline with evaluation batches of 100, so 700 evaluation samples make 7 blocks.</summary>
    private static string TrainTinyBaselineForEvaluation(TempFolder folder)
    {
        var run = TrainTinyBaseline(folder);
        var config = Path.Combine(run, "config.yaml");
        File.WriteAllText(config, File.ReadAllText(config).Replace("batch_size: 400", "batch_size: 100"));
        return run;
    }

    private static string Figures(string run)
    {
        var metrics = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")))!["baseline"]!.AsObject();
        metrics.Remove("seconds");
        metrics.Remove("sampling_seconds");
        return metrics.ToJsonString();
    }

    [Fact]
    public void Sharded_evaluation_gives_the_same_figures_for_one_and_three_shards_in_any_order()
    {
        using var folder = new TempFolder();
        var baseline = TrainTinyBaselineForEvaluation(folder);
        var one = Copy(baseline, folder.Combine("one"));
        var three = Copy(baseline, folder.Combine("three"));
        Ok("evaluate", "--run", one, "--samples", "700", "--shard", "0", "--shards", "1");
        foreach (var i in new[] { 2, 0 })
        {
            var (code, output, _) = Cli("evaluate", "--run", three, "--samples", "700", "--shard", $"{i}", "--shards", "3");
            Assert.Equal(0, code);
            Assert.Contains("not merged yet", output);
        }
        Assert.False(File.Exists(Path.Combine(three, "metrics.json")));
        // The last shard finds the run folder in use (as when a sibling merges at the same moment): it keeps its part and leaves the merge.
        using (GenNeg.Runs.RunLock.Acquire(three, "genneg evaluate --run R merging"))
        {
            var busy = Cli("evaluate", "--run", three, "--samples", "700", "--shard", "1", "--shards", "3");
            Assert.Equal(0, busy.Code);
            Assert.Contains("drawn; 'baseline' is not merged yet: run folder in use by 'genneg evaluate --run R merging'", busy.Output);
        }
        Assert.False(File.Exists(Path.Combine(three, "metrics.json")));
        var last = Cli("evaluate", "--run", three, "--samples", "700", "--shard", "1", "--shards", "3");
        Assert.Equal(0, last.Code);
        Assert.Contains("700 samples, 3 parts", last.Output);

        Assert.Equal(Figures(one), Figures(three));
        Assert.Contains("\"samples\":700", Figures(three));
        Assert.Equal(File.ReadAllText(Path.Combine(one, "baseline/evaluation-samples.csv")), File.ReadAllText(Path.Combine(three, "baseline/evaluation-samples.csv")));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(three, "baseline/evaluation-parts"), "*.tmp"));
        // Merging again (a retried shard, or --merge) draws nothing and records the same figures.
        Ok("evaluate", "--run", three, "--samples", "700", "--merge", "--shards", "3");
        Assert.Equal(Figures(one), Figures(three));
    }

    [Fact]
    public void Evaluate_merge_refuses_a_missing_or_foreign_part_naming_it()
    {
        using var folder = new TempFolder();
        var run = TrainTinyBaselineForEvaluation(folder);
        var other = Copy(run, folder.Combine("other"));
        foreach (var i in new[] { 0, 2 }) Ok("evaluate", "--run", run, "--samples", "700", "--shard", $"{i}", "--shards", "3");

        var missing = Cli("evaluate", "--run", run, "--samples", "700", "--merge", "--shards", "3");
        Assert.Equal(2, missing.Code);
        Assert.Equal($"error: part 'baseline/evaluation-parts/samples-0001-of-0003.bin' is missing; draw it with: genneg evaluate --run {run} --stage baseline --samples 700 --shard 1 --shards 3",
            missing.Error.Trim());

        // A part of another evaluation (here: another sample count) is refused by its fingerprint, by the merge and by its own shard.
        Ok("evaluate", "--run", other, "--samples", "800", "--shard", "1", "--shards", "3");
        File.Copy(Path.Combine(other, "baseline/evaluation-parts/samples-0001-of-0003.bin"), Path.Combine(run, "baseline/evaluation-parts/samples-0001-of-0003.bin"));
        var foreign = Cli("evaluate", "--run", run, "--samples", "700", "--merge", "--shards", "3");
        Assert.Equal(2, foreign.Code);
        Assert.StartsWith("error: part 'baseline/evaluation-parts/samples-0001-of-0003.bin' belongs to another job", foreign.Error.Trim());
        Assert.Single(foreign.Error.Trim().Split('\n'));
        var own = Cli("evaluate", "--run", run, "--samples", "700", "--shard", "1", "--shards", "3");
        Assert.Equal(2, own.Code);
        Assert.StartsWith("error: part 'baseline/evaluation-parts/samples-0001-of-0003.bin' belongs to another evaluation", own.Error.Trim());
        Assert.False(File.Exists(Path.Combine(run, "metrics.json")));
    }
}
