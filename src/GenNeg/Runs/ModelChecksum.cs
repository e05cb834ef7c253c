using System.Security.Cryptography;

namespace GenNeg.Runs;

/// <summary>SHA-256 of model files, so a damaged file is caught when it is loaded rather than as a wrong result later.</summary>
public static class ModelChecksum
{
    public static string Of(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GenNegException($"cannot read model file '{path}': {e.Message}");
        }
    }

    public static void Verify(string path, string expected)
    {
        if (Of(path) != expected)
            throw new GenNegException($"model file '{path}' is damaged: its checksum differs from the one in manifest.json; " +
                "restore it from a backup or train that stage again");
    }
}
