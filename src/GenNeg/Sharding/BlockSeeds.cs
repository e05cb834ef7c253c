namespace GenNeg.Sharding;

/// <summary>
/// Seeds of independent random streams derived from one seed: block b of a sharded job draws from
/// <see cref="For"/>(seed, b), whichever process draws it, so the merged result does not depend on the shard count,
/// order or retries. SplitMix64 (Steele et al. 2014) mixes the two numbers so that neighbouring blocks get unrelated seeds.
/// </summary>
public static class BlockSeeds
{
    /// <summary>The stream a merge continues with once the blocks are used (classifier training after sharded drawing).</summary>
    public const long AfterBlocks = -1;

    public static long For(long seed, long block) =>
        (long)(Mix(Mix(unchecked((ulong)seed)) ^ unchecked((ulong)block)) & long.MaxValue);

    private static ulong Mix(ulong z)
    {
        unchecked
        {
            z += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
