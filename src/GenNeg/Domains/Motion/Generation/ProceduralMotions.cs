using System.Numerics;

namespace GenNeg.Domains.Motion.Generation;

/// <summary>
/// Procedural motions of the built-in data set: walk, run, jump, crouch and wave, each with its own height, speed,
/// stride, cadence, heading and timing per sequence. Every sequence starts with the pelvis above the origin (as
/// HumanML3D places its sequences). Feet are placed by the motion and reached by inverse kinematics; a foot in stance
/// is flat on the floor (its lowest joint <see cref="Body.FootHeight"/> above y = 0), a swinging or jumping foot is
/// higher, so no joint of any frame passes the floor.
/// </summary>
public static class ProceduralMotions
{
    private const float Gravity = 9.81f;

    /// <summary>Sequence i gets action i mod the number of actions, so the classes are balanced.</summary>
    /// <returns>positions [count, frames, 22, 3] flattened, and each sequence's action index</returns>
    public static (float[] Positions, long[] Actions) Generate(int count, int frames, double fps, long seed)
    {
        var random = new Random(unchecked((int)(seed * 2_654_435_761L ^ (seed >> 32))));
        var stride = frames * Skeleton.JointCount * 3;
        var positions = new float[(long)count * stride];
        var actions = new long[count];
        for (var i = 0; i < count; i++)
        {
            var action = i % MotionActions.Names.Length;
            actions[i] = action;
            var sequence = Sequence(MotionActions.Names[action], frames, (float)(1 / fps), random);
            for (var f = 0; f < frames; f++)
                for (var j = 0; j < Skeleton.JointCount; j++)
                {
                    var at = (long)i * stride + (f * Skeleton.JointCount + j) * 3;
                    positions[at] = sequence[f][j].X;
                    positions[at + 1] = sequence[f][j].Y;
                    positions[at + 2] = sequence[f][j].Z;
                }
        }
        return (positions, actions);
    }

    /// <summary>One sequence of <paramref name="frames"/> poses.</summary>
    public static Vector3[][] Sequence(string action, int frames, float dt, Random random)
    {
        var body = new Body(Uniform(random, 1.55f, 1.9f));
        var heading = Uniform(random, 0, 2 * MathF.PI);
        Func<float, PoseSpec> pose = action switch
        {
            MotionActions.Walk => Gait(body, heading, random, speed: Uniform(random, 0.9f, 1.6f), period: Uniform(random, 0.95f, 1.2f),
                stance: 0.6f, lift: Uniform(random, 0.06f, 0.12f), lean: 0.05f, swing: Uniform(random, 0.2f, 0.4f)),
            MotionActions.Run => Gait(body, heading, random, speed: Uniform(random, 2.4f, 3.6f), period: Uniform(random, 0.62f, 0.75f),
                stance: 0.36f, lift: Uniform(random, 0.15f, 0.28f), lean: 0.18f, swing: Uniform(random, 0.5f, 0.8f)),
            MotionActions.Jump => Jump(body, heading, random),
            MotionActions.Crouch => Crouch(body, heading, random),
            MotionActions.Wave => Wave(body, heading, random),
            _ => throw new ArgumentException($"unknown action '{action}'", nameof(action)),
        };
        return Enumerable.Range(0, frames).Select(f => body.Pose(pose(f * dt))).ToArray();
    }

    /// <summary>
    /// Walking or running at a constant speed: each foot is in stance for the fraction <paramref name="stance"/> of the
    /// period, sliding back under the body at the body's speed (so it rests in place on the floor), then swings forward
    /// on a raised arc. The pelvis sits low enough that the leg reaches the foot at both ends of the stance, and dips a
    /// little at mid-stance; the arms swing against the legs.
    /// </summary>
    private static Func<float, PoseSpec> Gait(Body body, float heading, Random random, float speed, float period, float stance, float lift, float lean, float swing)
    {
        var step = speed * stance * period;                 // ground covered during one stance
        var phase0 = Uniform(random, 0, 1);
        var pelvisHeight = body.AnkleHeight + MathF.Sqrt(MathF.Pow(0.97f * body.LegLength, 2) - step * step / 4);
        var dip = 0.02f * body.LegLength;
        var forward = Body.Rotate(heading, Vector3.UnitZ);
        var left = Body.Rotate(heading, Vector3.UnitX);
        return t =>
        {
            var root = forward * (speed * t);
            (Vector3 Ankle, float Load) Foot(float offset, float side)
            {
                var p = Frac(t / period + phase0 + offset);
                float along, height, load;
                if (p < stance)
                {
                    var s = p / stance;
                    along = step / 2 - step * s;
                    height = 0;
                    load = MathF.Sin(MathF.PI * s);
                }
                else
                {
                    var s = (p - stance) / (1 - stance);
                    along = -step / 2 + step * (1 - MathF.Cos(MathF.PI * s)) / 2;
                    height = lift * MathF.Sin(MathF.PI * s);
                    load = 0;
                }
                return (root + forward * along + left * (side * body.HipHalfWidth) + Vector3.UnitY * (body.AnkleHeight + height), load);
            }
            var (leftAnkle, leftLoad) = Foot(0, 1);
            var (rightAnkle, rightLoad) = Foot(0.5f, -1);
            var pelvis = root + Vector3.UnitY * (pelvisHeight - dip * MathF.Max(leftLoad, rightLoad));
            var armPhase = MathF.Cos(2 * MathF.PI * (t / period + phase0));
            return new PoseSpec(pelvis, heading, leftAnkle, rightAnkle, lean,
                new ArmSpec(-swing * armPhase, 0.3f + swing * 0.5f, 0.08f), new ArmSpec(swing * armPhase, 0.3f + swing * 0.5f, 0.08f));
        };
    }

    /// <summary>
    /// A jump: a crouch to load, a ballistic flight (height h, so v = sqrt(2 g h) and time 2 v / g), a forward hop of
    /// up to 0.8 m, and a softer crouch on landing. Feet rest at take-off and landing places; arms swing back, then up.
    /// </summary>
    private static Func<float, PoseSpec> Jump(Body body, float heading, Random random)
    {
        var jumpHeight = Uniform(random, 0.12f, 0.35f);
        var lift = MathF.Sqrt(2 * Gravity * jumpHeight);
        var flight = 2 * lift / Gravity;
        var takeOff = Uniform(random, 0.4f, 0.6f);
        var landing = takeOff + flight;
        var hop = Uniform(random, 0, 0.8f);
        var loadDepth = Uniform(random, 0.12f, 0.22f) * body.LegLength;
        var landDepth = Uniform(random, 0.08f, 0.18f) * body.LegLength;
        var forward = Body.Rotate(heading, Vector3.UnitZ);
        var left = Body.Rotate(heading, Vector3.UnitX);
        var standing = 0.97f * body.StandingPelvis;
        return t =>
        {
            var airborne = t > takeOff && t < landing;
            var rise = airborne ? lift * (t - takeOff) - Gravity / 2 * (t - takeOff) * (t - takeOff) : 0;
            var progress = hop * Math.Clamp((t - takeOff) / flight, 0, 1);
            var dip = loadDepth * Bump((t - (takeOff - 0.2f)) / 0.22f) + landDepth * Bump((t - (landing + 0.15f)) / 0.2f);
            var root = forward * progress;
            var ankle = Vector3.UnitY * (body.AnkleHeight + rise);
            var pelvis = root + Vector3.UnitY * (standing - dip + rise) - forward * (0.3f * dip);
            var armSwing = t < takeOff ? -0.8f * Bump((t - (takeOff - 0.2f)) / 0.3f) : 2.2f * Bump((t - takeOff - 0.1f) / 0.35f);
            var arm = new ArmSpec(armSwing, 0.3f, 0.1f);
            return new PoseSpec(pelvis, heading, root + left * body.HipHalfWidth + ankle, root - left * body.HipHalfWidth + ankle,
                0.1f + 0.6f * dip / body.LegLength, arm, arm);
        };
    }

    /// <summary>A squat down to a random depth and back up, hips going back and the torso leaning as it goes, arms reaching forward.</summary>
    private static Func<float, PoseSpec> Crouch(Body body, float heading, Random random)
    {
        var depth = Uniform(random, 0.25f, 0.42f) * body.StandingPelvis;
        var down = Uniform(random, 0.1f, 0.4f);
        var hold = Uniform(random, 0.1f, 0.4f);
        var descent = Uniform(random, 0.35f, 0.6f);
        var stance = body.HipHalfWidth + Uniform(random, 0, 0.06f);
        var reach = Uniform(random, 0.6f, 1.3f);
        var forward = Body.Rotate(heading, Vector3.UnitZ);
        var left = Body.Rotate(heading, Vector3.UnitX);
        var standing = 0.98f * body.StandingPelvis;
        return t =>
        {
            var amount = SmoothStep((t - down) / descent) * (1 - SmoothStep((t - down - descent - hold) / descent));
            var dip = depth * amount;
            var pelvis = Vector3.UnitY * (standing - dip) - forward * (0.35f * dip);
            var ankle = Vector3.UnitY * body.AnkleHeight;
            var arm = new ArmSpec(reach * amount + 0.1f, 0.2f, 0.05f);
            return new PoseSpec(pelvis, heading, left * stance + ankle, -left * stance + ankle, 0.05f + 0.7f * amount, arm, arm);
        };
    }

    /// <summary>Standing with a slight sway, one arm raised sideways with the forearm waving at about 2 Hz.</summary>
    private static Func<float, PoseSpec> Wave(Body body, float heading, Random random)
    {
        var rightHand = random.NextDouble() < 0.5;
        var rate = Uniform(random, 1.5f, 2.5f);
        var phase = Uniform(random, 0, 2 * MathF.PI);
        var raise = Uniform(random, 1.8f, 2.4f);
        var sway = Uniform(random, 0.005f, 0.02f);
        var left = Body.Rotate(heading, Vector3.UnitX);
        var standing = 0.99f * body.StandingPelvis;
        return t =>
        {
            var pelvis = left * (sway * MathF.Sin(2 * MathF.PI * 0.5f * t)) + Vector3.UnitY * standing;
            var ankle = Vector3.UnitY * body.AnkleHeight;
            var waving = new ArmSpec(0.2f, -1.2f * (1 + 0.4f * MathF.Sin(2 * MathF.PI * rate * t + phase)), raise);
            var resting = new ArmSpec(0.05f, 0.15f, 0.1f);
            return new PoseSpec(pelvis, heading, left * body.HipHalfWidth + ankle, -left * body.HipHalfWidth + ankle, 0.02f,
                rightHand ? resting : waving, rightHand ? waving : resting);
        };
    }

    private static float Uniform(Random random, float low, float high) => low + (high - low) * (float)random.NextDouble();

    private static float Frac(float x) => x - MathF.Floor(x);

    /// <summary>A raised-cosine bump: 1 at 0, 0 beyond +-1.</summary>
    private static float Bump(float x) => MathF.Abs(x) >= 1 ? 0 : (1 + MathF.Cos(MathF.PI * x)) / 2;

    private static float SmoothStep(float x)
    {
        var c = Math.Clamp(x, 0, 1);
        return c * c * (3 - 2 * c);
    }
}
