namespace GenNeg.Domains.Traffic.Export;

/// <summary>One vehicle of one scene as exported: metres, radians (counter-clockwise from +x), m/s, and the oracle's flags.</summary>
public sealed record TrafficVehicleRow(string Split, int Scene, int Map, int Agent, double X, double Y, double Length, double Width,
    double Heading, double Speed, bool Collision, bool Offroad);
