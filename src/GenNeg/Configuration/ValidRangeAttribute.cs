namespace GenNeg.Configuration;

/// <summary>
/// The values a numeric key accepts, declared once on its property: the loader checks it (naming the dotted key) and
/// the configuration reference prints it. Bounds are inclusive unless marked exclusive; an empty optional value is
/// not checked.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ValidRangeAttribute : Attribute
{
    public double Min { get; set; } = double.NegativeInfinity;
    public double Max { get; set; } = double.PositiveInfinity;
    public bool MinExclusive { get; set; }
    public bool MaxExclusive { get; set; }
    /// <summary>Printed after the range in messages and the reference (e.g. "metres").</summary>
    public string Unit { get; set; } = "";

    public bool Contains(double value) =>
        (MinExclusive ? value > Min : value >= Min) && (MaxExclusive ? value < Max : value <= Max);

    /// <summary>"at least 1", "positive", "in [0, 1]", "in (0, 240] fps", ...</summary>
    public string Describe()
    {
        var unit = Unit.Length == 0 ? "" : " " + Unit;
        if (double.IsPositiveInfinity(Max))
            return Min == 0 && MinExclusive ? "positive" + unit
                : $"{(MinExclusive ? "above" : "at least")} {ConfigKey.Format(Min)}{unit}";
        if (double.IsNegativeInfinity(Min)) return $"{(MaxExclusive ? "below" : "at most")} {ConfigKey.Format(Max)}{unit}";
        return $"in {(MinExclusive ? "(" : "[")}{ConfigKey.Format(Min)}, {ConfigKey.Format(Max)}{(MaxExclusive ? ")" : "]")}{unit}";
    }

    public void Check(string key, double value)
    {
        if (!Contains(value)) throw ConfigKey.Error(key, $"must be {Describe()}, got {ConfigKey.Format(value)}");
    }
}
