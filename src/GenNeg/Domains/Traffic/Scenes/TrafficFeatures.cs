using GenNeg.Domains.Traffic.Shapes;

namespace GenNeg.Domains.Traffic.Scenes;

/// <summary>The 7 features of a vehicle, as in the paper (Section 4.2): x, y, length, width, cos h, sin h, speed; metres, radians and m/s.</summary>
public static class TrafficFeatures
{
    public const int Count = 7;
    public const int X = 0, Y = 1, Length = 2, Width = 3, Cos = 4, Sin = 5, Speed = 6;

    public static readonly string[] Names = ["x", "y", "length", "width", "cos_heading", "sin_heading", "speed"];

    public static void Write(Vehicle vehicle, Span<float> features)
    {
        var box = vehicle.Box;
        features[X] = (float)box.X;
        features[Y] = (float)box.Y;
        features[Length] = (float)box.Length;
        features[Width] = (float)box.Width;
        features[Cos] = (float)Math.Cos(box.Heading);
        features[Sin] = (float)Math.Sin(box.Heading);
        features[Speed] = (float)vehicle.Speed;
    }

    /// <summary>The vehicle the features describe; the heading is the angle of (cos, sin), whatever its norm.</summary>
    public static Vehicle Read(ReadOnlySpan<float> features) => new(
        new OrientedBox(features[X], features[Y], features[Length], features[Width], Math.Atan2(features[Sin], features[Cos])),
        features[Speed]);
}
