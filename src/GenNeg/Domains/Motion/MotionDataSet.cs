using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Domains.Motion.Files;
using GenNeg.Domains.Motion.Generation;
using GenNeg.Domains.Motion.Export;
using GenNeg.Domains.Motion.Pictures;
using GenNeg.Oracles;
using static TorchSharp.torch;

namespace GenNeg.Domains.Motion;

/// <summary>
/// Motion sequences (the paper's Section 4.3 on procedural figures or users' files): samples [N, F, J * 3], joint
/// positions relative to the pelvis's floor point and standardised per coordinate (<see cref="MotionWorld.ToModel"/>),
/// condition "action" (float32 [N, C], one-hot over the action classes, so a backbone learns the class count from the
/// condition's shape); one label per frame.
/// </summary>
public sealed class MotionDataSet : IDataSet
{
    public const string DataSetName = "motion";
    public const string ActionKey = "action";

    public string Name => DataSetName;

    public Type ConfigType => typeof(MotionDataConfig);

    public DataSplit Load(DataConfig config)
    {
        EnsureFits(config);
        var motion = config.OptionsAs<MotionDataConfig>();
        var (train, trainActions, validation, validationActions, names, joints) = motion.Sequences.Length == 0
            ? Generated(config)
            : FromFiles(motion, config.ValidationSeed);
        FeatureScaling scaling;
        using (var relative = MotionWorld.RootRelative(train, -1)) scaling = FeatureScaling.Fit(relative);
        var world = new MotionWorld(scaling, names, joints, motion.Fps, motion.FloorTolerance, motion.MmdFramesPerSample, default!);
        using (var features = world.FrameFeatures(train)) world = world with { DistanceScaling = FeatureScaling.Fit(features) };
        var split = new DataSplit(world.ToModel(train), world.ToModel(validation),
            ActionCondition(trainActions, names.Count), ActionCondition(validationActions, names.Count), [motion.Frames], world);
        train.Dispose();
        validation.Dispose();
        return split;
    }

    /// <summary>Generated motions: their positions as numbers, as a tensor and in the model's space (users' files are as large as they are).</summary>
    public void EnsureFits(DataConfig config)
    {
        var motion = config.OptionsAs<MotionDataConfig>();
        if (motion.Sequences.Length > 0) return;
        var key = config.TrainSize >= config.ValidationSize ? "data.train_size" : "data.validation_size";
        var values = (double)Math.Max(config.TrainSize, config.ValidationSize) * motion.Frames * Skeleton.JointCount * 3;
        if (values > Array.MaxLength)
            throw new GenNegException($"config key '{key}' ({Math.Max(config.TrainSize, config.ValidationSize):N0}) times data.motion.frames ({motion.Frames}) times " +
                $"{Skeleton.JointCount * 3} coordinates exceeds the {Array.MaxLength:N0} numbers an array holds; lower {key}");
        var bytes = 3.0 * 4 * ((double)config.TrainSize + config.ValidationSize) * motion.Frames * Skeleton.JointCount * 3;
        Runtime.MemoryBudget.EnsureFits(bytes, $"the motion data set ({config.TrainSize:N0} + {config.ValidationSize:N0} motions of {motion.Frames} frames)", $"lower {key}");
    }

    public byte[] RenderSamples(DataSplit data, Tensor samples, Condition condition, OracleVerdict verdict, string title)
    {
        var world = WorldOf(data);
        using var metres = world.ToMetres(samples.cpu());
        return MotionStrip.RenderPng(world, metres, ActionsOf(condition), verdict, title);
    }

    public string ExportFileName => "motions.csv";

    public void WriteSamples(DataSplit data, IReadOnlyList<string> splits, Tensor samples, Condition condition, OracleVerdict verdict, string path)
    {
        var world = WorldOf(data);
        using var metres = world.ToMetres(samples.cpu());
        MotionCsv.Write(path, splits, world, metres, ActionsOf(condition), verdict);
    }

    /// <summary>
    /// Per-frame poses and velocities (<see cref="MotionWorld.FrameFeatures"/>, standardised) at data.motion.mmd_frames_per_sample
    /// evenly spaced frames of each sample: the points the evaluation's MMD compares.
    /// </summary>
    public Tensor DistanceFeatures(DataSplit data, Tensor samples)
    {
        var world = WorldOf(data);
        using var scope = NewDisposeScope();
        var features = world.DistanceScaling.Normalise(world.FrameFeatures(world.ToMetres(samples)));
        var frames = features.shape[1];
        var count = Math.Min(world.DistanceFrames, frames);
        var picked = Enumerable.Range(0, (int)count).Select(k => (2L * k + 1) * frames / (2L * count)).ToArray();
        return features.index_select(1, tensor(picked, device: samples.device)).flatten(0, 1).MoveToOuterDisposeScope();
    }

    /// <summary>The action index of each sample, from the one-hot condition, on the CPU.</summary>
    public static long[] ActionsOf(Condition condition)
    {
        using var index = condition[ActionKey].argmax(1).cpu();
        return index.data<long>().ToArray();
    }

    public static Condition ActionCondition(long[] actions, int classes)
    {
        using var index = tensor(actions);
        return Condition.Of(ActionKey, nn.functional.one_hot(index, classes).to(ScalarType.Float32));
    }

    private static (Tensor, long[], Tensor, long[], IReadOnlyList<string>, int) Generated(DataConfig config)
    {
        var m = config.OptionsAs<MotionDataConfig>();
        var (train, trainActions) = ProceduralMotions.Generate(config.TrainSize, m.Frames, m.Fps, config.Seed);
        var (validation, validationActions) = ProceduralMotions.Generate(config.ValidationSize, m.Frames, m.Fps, config.ValidationSeed);
        long[] shape(int n) => [n, m.Frames, Skeleton.JointCount * 3];
        return (tensor(train).reshape(shape(config.TrainSize)), trainActions, tensor(validation).reshape(shape(config.ValidationSize)), validationActions,
            MotionActions.Names, Skeleton.JointCount);
    }

    /// <summary>Users' sequences, split at random (data.validation_seed) into training and held-out sets.</summary>
    private static (Tensor, long[], Tensor, long[], IReadOnlyList<string>, int) FromFiles(MotionDataConfig motion, long seed)
    {
        var loaded = MotionSequenceFolder.Load(motion.Sequences, motion.Frames);
        var count = loaded.Actions.Length;
        var order = Enumerable.Range(0, count).ToArray();
        new Random(unchecked((int)seed)).Shuffle(order);
        var held = Math.Clamp((int)Math.Round(count * motion.ValidationFraction), 1, count - 1);
        using var all = tensor(loaded.Positions).reshape(count, motion.Frames, loaded.Joints * 3);
        Tensor rows(int[] index)
        {
            using var selected = tensor(index.Select(i => (long)i).ToArray(), device: all.device);
            return all.Rows(selected);
        }
        var validationIndex = order[..held];
        var trainIndex = order[held..];
        return (rows(trainIndex), trainIndex.Select(i => loaded.Actions[i]).ToArray(), rows(validationIndex), validationIndex.Select(i => loaded.Actions[i]).ToArray(),
            loaded.ActionNames, loaded.Joints);
    }

    private static MotionWorld WorldOf(DataSplit data) =>
        data.World as MotionWorld ?? throw new GenNegException("these samples are not motions (data.name is not motion)");
}
