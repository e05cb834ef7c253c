using GenNeg.Configuration;

namespace GenNeg.Oracles.External;

/// <summary>
/// The oracle of <c>oracle: external</c>: a program in any language that GenNeg starts once per command and keeps
/// running, sending it batches of samples and reading its verdicts (docs/external-oracle.md describes the protocol).
/// </summary>
public sealed record ExternalOracleConfig : ICheckedSection
{
    /// <summary>
    /// The program and its arguments, e.g. [python3, my_oracle.py, --flag]; relative paths are taken from the folder
    /// GenNeg runs in. Required when oracle is external.
    /// </summary>
    public IReadOnlyList<string> Command { get; init; } = [];
    /// <summary>Samples sent per request at most; a larger batch is sent in several requests.</summary>
    [ValidRange(Min = 1)]
    public int BatchSize { get; init; } = 4096;
    /// <summary>Seconds the program may take to answer one request before the command stops (the first includes its start).</summary>
    [ValidRange(Min = 0, MinExclusive = true)]
    public double TimeoutSeconds { get; init; } = 60;

    public void Check(string section)
    {
        var blank = Command.Select((word, i) => (word, i)).FirstOrDefault(w => string.IsNullOrWhiteSpace(w.word));
        if (blank.word is not null)
            throw ConfigKey.Error($"{ConfigKey.In(section, "command")}[{blank.i}]", "is empty; every word of the command must say something");
    }

    /// <summary>The rule that spans sections: an external oracle needs its command.</summary>
    public void CheckNamed(string oracle, string section)
    {
        if (string.Equals(oracle, ExternalOracle.OracleName, StringComparison.OrdinalIgnoreCase) && Command.Count == 0)
            throw ConfigKey.Error(ConfigKey.In(section, "command"),
                $"must name the program to start for oracle: {ExternalOracle.OracleName}, e.g. [python3, my_oracle.py]");
    }
}
