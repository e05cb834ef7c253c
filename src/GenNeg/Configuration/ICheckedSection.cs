namespace GenNeg.Configuration;

/// <summary>
/// A config record with rules that relate its own keys (e.g. model.sigma_max above model.sigma_min), which a range on
/// one property cannot say. The loader calls <see cref="Check"/> after binding the record and checking its ranges.
/// </summary>
public interface ICheckedSection
{
    /// <summary>Throws <see cref="ConfigKey.Error"/> naming the offending key; <paramref name="section"/> is the record's dotted path.</summary>
    void Check(string section);
}
