using GenNeg.Domains.Traffic.Shapes;

namespace GenNeg.Domains.Traffic.Scenes;

/// <summary>A placed vehicle: its footprint and its speed along the heading (m/s).</summary>
public readonly record struct Vehicle(OrientedBox Box, double Speed);
