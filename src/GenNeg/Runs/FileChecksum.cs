using System.Security.Cryptography;

namespace GenNeg.Runs;

/// <summary>
/// A trailer that lets a file a resume reads (training checkpoints, synthetic sets, shards) be checked before it is
/// used: a fixed marker and the SHA-256 of everything before it, appended after the contents. Readers parse from the
/// start and never reach it, so files written before it existed, which lack the marker, still load (unchecked); a file
/// with the marker loads only when the digest matches. One changed byte is caught wherever it falls: in the contents
/// or the digest the digest no longer matches, in the marker the contents are intact.
/// </summary>
public static class FileChecksum
{
    private static readonly byte[] Marker = "\nGENNEG-SHA256:\n"u8.ToArray();
    private const int DigestLength = 32;
    public static readonly int TrailerLength = Marker.Length + DigestLength;

    /// <summary>Writes <paramref name="path"/> atomically with <paramref name="write"/>'s contents followed by the trailer.</summary>
    public static void Write(string path, Action<Stream> write) => AtomicFile.Write(path, stream =>
    {
        using var hashing = new HashingStream(stream);
        write(hashing);
        hashing.Flush();
        stream.Write(Marker);
        stream.Write(hashing.Digest());
    });

    /// <summary>
    /// Fails, naming the file and <paramref name="remedy"/>, when <paramref name="path"/> carries a trailer whose digest
    /// does not match its contents. Files without a trailer (written by earlier versions) pass.
    /// </summary>
    public static void Verify(string path, string remedy)
    {
        try
        {
            using var file = File.OpenRead(path);
            var contentLength = file.Length - TrailerLength;
            if (contentLength < 0) return;
            var trailer = new byte[TrailerLength];
            file.Seek(contentLength, SeekOrigin.Begin);
            file.ReadExactly(trailer);
            if (!trailer.AsSpan(0, Marker.Length).SequenceEqual(Marker)) return;
            file.Seek(0, SeekOrigin.Begin);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[1 << 20];
            for (var left = contentLength; left > 0;)
            {
                var read = file.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                if (read == 0) break;
                hash.AppendData(buffer, 0, read);
                left -= read;
            }
            if (!hash.GetHashAndReset().AsSpan().SequenceEqual(trailer.AsSpan(Marker.Length)))
                throw new GenNegException($"'{path}' is damaged: its contents do not match its checksum; {remedy}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GenNegException($"cannot read '{path}': {e.Message}");
        }
    }

    /// <summary>Passes writes through to the file and hashes them on the way.</summary>
    private sealed class HashingStream(Stream inner) : Stream
    {
        private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public byte[] Digest() => hash.GetHashAndReset();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            hash.AppendData(buffer);
            inner.Write(buffer);
        }

        public override void WriteByte(byte value) => Write([value]);

        public override void Flush() => inner.Flush();

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) hash.Dispose();
            base.Dispose(disposing);
        }
    }
}
