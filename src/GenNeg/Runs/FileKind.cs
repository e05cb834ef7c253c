using System.Runtime.InteropServices;

namespace GenNeg.Runs;

/// <summary>What a path names on disk, as far as writing it goes.</summary>
public enum FileKind
{
    /// <summary>Nothing there yet (or a symbolic link to nothing).</summary>
    Missing,

    RegularFile,

    Directory,

    /// <summary>A device, FIFO or socket: it can be written to, never replaced.</summary>
    Special,
}

/// <summary>
/// The kind of file a path names, following symbolic links. .NET exposes no file type beyond file or directory, so this
/// asks the runtime's own native shim (System.Native, shipped with every .NET on Linux and macOS) for the stat mode.
/// </summary>
public static partial class FileKinds
{
    private const int TypeMask = 0xF000;
    private const int RegularType = 0x8000;
    private const int DirectoryType = 0x4000;

    public static FileKind Of(string path)
    {
        if (Directory.Exists(path)) return FileKind.Directory;
        if (!File.Exists(path)) return FileKind.Missing;
        if (OperatingSystem.IsWindows()) return FileKind.RegularFile;
        try
        {
            // The shim's FileStatus starts with two 32-bit fields, flags then mode; the buffer is ample for the rest.
            var status = new byte[512];
            if (Stat(path, status) != 0) return FileKind.RegularFile;
            var mode = BitConverter.ToInt32(status, 4) & TypeMask;
            return mode switch
            {
                RegularType => FileKind.RegularFile,
                DirectoryType => FileKind.Directory,
                _ => FileKind.Special,
            };
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return FileKind.RegularFile;
        }
    }

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_Stat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, [Out] byte[] status);
}
