using System.Buffers.Binary;
using K4os.Compression.LZ4;

namespace Nimbus.Cli;

// The LZ4 legacy frame (`lz4 -l`), the format of the Linux kernel's bzImage payload: the magic
// 0x184C2102, then blocks of [u32 LE compressed size][one independent LZ4 block]. Only the framing
// is ours; each block is decoded by K4os.Compression.LZ4.
public static class Lz4Legacy
{
    public const uint Magic = 0x184C2102;

    // size: the decoded length, known beforehand (the bzImage stores it after the frame).
    public static byte[] Decode(ReadOnlySpan<byte> frame, int size)
    {
        if (frame.Length < 4 || BinaryPrimitives.ReadUInt32LittleEndian(frame) != Magic)
            throw new InvalidDataException("not an LZ4 legacy frame (bad magic)");
        var output = new byte[size];
        int written = 0, pos = 4;
        while (pos < frame.Length)
        {
            if (frame.Length - pos < 4) throw new InvalidDataException($"truncated block header at offset {pos}");
            uint blockSize = BinaryPrimitives.ReadUInt32LittleEndian(frame[pos..]);
            pos += 4;
            if (blockSize == Magic) continue;      // concatenated frames are allowed
            if (blockSize > frame.Length - pos) throw new InvalidDataException($"the block at offset {pos - 4} overruns the frame");
            int n = LZ4Codec.Decode(frame.Slice(pos, (int)blockSize), output.AsSpan(written));
            if (n < 0) throw new InvalidDataException($"the block at offset {pos - 4} is corrupt or decodes past {size} bytes");
            written += n;
            pos += (int)blockSize;
        }
        if (written != size) throw new InvalidDataException($"decoded {written} bytes, expected {size}");
        return output;
    }
}
