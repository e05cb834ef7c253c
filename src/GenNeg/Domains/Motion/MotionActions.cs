namespace GenNeg.Domains.Motion;

/// <summary>The built-in action classes; the condition "action" holds a one-hot row over them.</summary>
public static class MotionActions
{
    public const string Walk = "walk", Run = "run", Jump = "jump", Crouch = "crouch", Wave = "wave";

    public static readonly string[] Names = [Walk, Run, Jump, Crouch, Wave];
}
