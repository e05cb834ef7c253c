// Inline MSBuild task (see Directory.Build.targets): marks one symbol-version requirement of an
// ELF64 little-endian shared library as weak, so the dynamic loader accepts a libstdc++ without it.
using System;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class MarkGlibcxxVersionWeak : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    private static readonly string[] HostLibstdcxxCandidates =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6",
        "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
        "/usr/lib/libstdc++.so.6",
    };

    [Required] public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();
    [Required] public string VersionName { get; set; } = "";

    public override bool Execute()
    {
        var hostLib = HostLibstdcxxCandidates.FirstOrDefault(File.Exists);
        if (hostLib != null && Contains(File.ReadAllBytes(hostLib), Encoding.ASCII.GetBytes(VersionName + "\0")))
        {
            Log.LogMessage(MessageImportance.Low, "{0} provides {1}; no patch needed.", hostLib, VersionName);
            return true;
        }

        foreach (var item in Files)
        {
            try
            {
                var outcome = Patch(item.ItemSpec);
                Log.LogMessage(MessageImportance.Normal, "{0}: {1}", item.ItemSpec, outcome);
            }
            catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
            {
                Log.LogError("Could not mark {0} weak in {1}: {2}", VersionName, item.ItemSpec, e.Message);
            }
        }
        return !Log.HasLoggedErrors;
    }

    private string Patch(string path)
    {
        var elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F' || elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("not an ELF64 little-endian file");

        var sectionTable = (long)BitConverter.ToUInt64(elf, 0x28);
        int sectionSize = BitConverter.ToUInt16(elf, 0x3A);
        int sectionCount = BitConverter.ToUInt16(elf, 0x3C);

        for (var s = 0; s < sectionCount; s++)
        {
            var header = sectionTable + (long)s * sectionSize;
            if (BitConverter.ToUInt32(elf, (int)header + 4) != ShtGnuVerneed) continue;

            var offset = (long)BitConverter.ToUInt64(elf, (int)header + 24);
            var stringTableIndex = BitConverter.ToUInt32(elf, (int)header + 40);
            var needCount = BitConverter.ToUInt32(elf, (int)header + 44);
            var stringTable = (long)BitConverter.ToUInt64(elf, (int)(sectionTable + stringTableIndex * sectionSize) + 24);

            var need = offset;
            for (var n = 0; n < needCount; n++)
            {
                int auxCount = BitConverter.ToUInt16(elf, (int)need + 2);
                var aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                for (var a = 0; a < auxCount; a++)
                {
                    var name = ReadCString(elf, stringTable + BitConverter.ToUInt32(elf, (int)aux + 8));
                    if (name == VersionName)
                    {
                        var flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                        if ((flags & VerFlagWeak) != 0) return "already weak";
                        var patched = (ushort)(flags | VerFlagWeak);
                        elf[aux + 4] = (byte)(patched & 0xff);
                        elf[aux + 5] = (byte)(patched >> 8);
                        var temp = path + ".patching";
                        File.WriteAllBytes(temp, elf);
                        File.Replace(temp, path, null);
                        return "marked " + VersionName + " weak";
                    }
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                need += BitConverter.ToUInt32(elf, (int)need + 12);
            }
        }
        return "no requirement on " + VersionName;
    }

    private static string ReadCString(byte[] bytes, long start)
    {
        var end = start;
        while (bytes[end] != 0) end++;
        return Encoding.ASCII.GetString(bytes, (int)start, (int)(end - start));
    }

    private static bool Contains(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i <= haystack.Length - needle.Length; i++)
        {
            var j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }
}
