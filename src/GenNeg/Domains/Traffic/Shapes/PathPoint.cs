namespace GenNeg.Domains.Traffic.Shapes;

/// <summary>A point of a sampled centreline with the direction of travel there (radians) and its arc length from the start.</summary>
public readonly record struct PathPoint(double X, double Y, double Heading, double Distance);
