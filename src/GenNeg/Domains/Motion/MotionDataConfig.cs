using GenNeg.Configuration;

namespace GenNeg.Domains.Motion;

/// <summary>
/// The motion data set (data.motion.*): sequences of 3-D joint positions in metres, y up, the floor at y = 0, each with
/// an action class. Built in: procedurally generated walking, running, jumping, crouching and waving figures
/// (data.train_size and data.validation_size sequences). With <see cref="Sequences"/> set, the sequences come from
/// NumPy files instead (see <see cref="Files.MotionSequenceFolder"/>).
/// </summary>
public sealed record MotionDataConfig : ICheckedSection
{
    /// <summary>Frames per sequence; loaded sequences are cropped (from the start) or padded (repeating the last frame) to it.</summary>
    [ValidRange(Min = 2, Max = 1024)]
    public int Frames { get; init; } = 32;
    /// <summary>Frames per second of the generated sequences (HumanML3D: 20).</summary>
    [ValidRange(Min = 0, MinExclusive = true, Max = 240)]
    public double Fps { get; init; } = 20;
    /// <summary>
    /// Metres below the floor a joint may reach before its frame counts as penetrating (the oracle: a frame infracts
    /// when any joint has y &lt; -floor_tolerance). 0.5 mm absorbs float32 rounding of a joint resting exactly on the
    /// floor, and is below anything a picture shows.
    /// </summary>
    [ValidRange(Min = 0, Max = 0.1, Unit = "metres")]
    public double FloorTolerance { get; init; } = 0.0005;
    /// <summary>
    /// Empty for the built-in procedural motions; otherwise a folder of [frames, joints, 3] float32/float64 .npy
    /// files (HumanML3D's new_joints layout) and a labels.csv with columns file,label.
    /// </summary>
    public string Sequences { get; init; } = "";
    /// <summary>Loaded sequences: the share held out for validation (picked by data.validation_seed).</summary>
    [ValidRange(Min = 0, MinExclusive = true, Max = 1, MaxExclusive = true)]
    public double ValidationFraction { get; init; } = 0.1;
    /// <summary>Generated sequences: frames of each sample the distribution distance compares (evenly spaced).</summary>
    [ValidRange(Min = 1)]
    public int MmdFramesPerSample { get; init; } = 4;

    public void Check(string section) =>
        new ValidRangeAttribute { Min = 1, Max = Frames }.Check(ConfigKey.In(section, "mmd_frames_per_sample"), MmdFramesPerSample);
}
