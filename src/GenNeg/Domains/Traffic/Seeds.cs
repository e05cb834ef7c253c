namespace GenNeg.Domains.Traffic;

/// <summary>Deterministic seeds for the generator of one map or scene, mixed from the split's seed (SplitMix64; HashCode varies per process).</summary>
public static class Seeds
{
    public static int Mix(long seed, long item, long stream)
    {
        var z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)item * 0xBF58476D1CE4E5B9UL + (ulong)stream * 0x94D049BB133111EBUL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }
}
