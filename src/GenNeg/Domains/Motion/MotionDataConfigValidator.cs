namespace GenNeg.Domains.Motion;

/// <summary>Range checks of data.motion.*, each failure naming its key.</summary>
public static class MotionDataConfigValidator
{
    public static void Validate(MotionDataConfig c)
    {
        if (c.Frames < 2 || c.Frames > 1024) throw new GenNegException($"config key 'data.motion.frames' must be in [2, 1024], got {c.Frames}");
        if (!(c.Fps > 0 && c.Fps <= 240)) throw new GenNegException($"config key 'data.motion.fps' must be in (0, 240], got {c.Fps}");
        if (!(c.FloorTolerance >= 0 && c.FloorTolerance <= 0.1))
            throw new GenNegException($"config key 'data.motion.floor_tolerance' must be in [0, 0.1] metres, got {c.FloorTolerance}");
        if (!(c.ValidationFraction > 0 && c.ValidationFraction < 1))
            throw new GenNegException($"config key 'data.motion.validation_fraction' must be in (0, 1), got {c.ValidationFraction}");
        if (c.MmdFramesPerSample < 1 || c.MmdFramesPerSample > c.Frames)
            throw new GenNegException($"config key 'data.motion.mmd_frames_per_sample' must be in [1, data.motion.frames = {c.Frames}], got {c.MmdFramesPerSample}");
    }
}
