namespace GenNeg.Domains.Traffic.Scenes;

/// <summary>Passenger-car footprints: length about 4.6 m (3.8-5.5), width 1.65-2.1 m growing with length.</summary>
public static class VehicleSizes
{
    public static (double Length, double Width) Draw(Random random)
    {
        var length = Math.Clamp(4.6 + 0.4 * Gaussian.Draw(random), 3.8, 5.5);
        var width = Math.Clamp(1.65 + 0.45 * (length - 3.8) / 1.7 + 0.05 * Gaussian.Draw(random), 1.65, 2.1);
        return (length, width);
    }
}

/// <summary>Standard normal draws from <see cref="Random"/> (Box-Muller), so scenes depend on one seeded generator only.</summary>
public static class Gaussian
{
    public static double Draw(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    public static double Clipped(Random random, double std, double limit) => Math.Clamp(std * Draw(random), -limit, limit);
}
