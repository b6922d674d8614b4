using System.Text;
using System.Text.Json;

namespace Nimbus.Cli;

// A bootable image a user can keep (`nimbus build APP -o app.img`, then `nimbus run app.img`):
// one file holding the kernel, the boot archive and the command line.
//   line 1: "NIMBUS-IMAGE 1"
//   line 2: JSON {"kernel": bytes, "archive": bytes, "commandLine": "...", "program": "/app/NAME"}
//   then the kernel ELF, then the newc archive.
public static class VmImage
{
    private const string Magic = "NIMBUS-IMAGE 1";

    public sealed record Header(long Kernel, long Archive, string CommandLine, string Program);

    public static void Write(string path, string kernelElf, string archive, string commandLine, string program)
    {
        var header = new Header(new FileInfo(kernelElf).Length, new FileInfo(archive).Length, commandLine, program);
        string tmp = path + ".tmp";
        using (var f = File.Create(tmp))
        {
            f.Write(Encoding.UTF8.GetBytes(Magic + "\n" + JsonSerializer.Serialize(header) + "\n"));
            using (var k = File.OpenRead(kernelElf)) k.CopyTo(f);
            using (var a = File.OpenRead(archive)) a.CopyTo(f);
        }
        File.Move(tmp, path, overwrite: true);
    }

    public static bool IsImage(string path)
    {
        if (!File.Exists(path)) return false;
        using var f = File.OpenRead(path);
        var buf = new byte[Magic.Length];
        return f.Read(buf) == buf.Length && Encoding.ASCII.GetString(buf) == Magic;
    }

    // Unpacks the kernel and archive next to each other under out/cache; returns the header.
    public static (Header Header, string Kernel, string Archive) Extract(string path)
    {
        using var f = File.OpenRead(path);
        string? magic = ReadLine(f), json = ReadLine(f);
        if (magic != Magic || json == null) throw new NimbusException($"{path}: not a Nimbus image (bad header)");
        Header? h;
        try { h = JsonSerializer.Deserialize<Header>(json); }
        catch (JsonException e) { throw new NimbusException($"{path}: corrupt image header: {e.Message}"); }
        if (h == null || h.Kernel <= 0 || h.Archive <= 0 || h.CommandLine == null || f.Position + h.Kernel + h.Archive != f.Length)
            throw new NimbusException($"{path}: corrupt image (sizes in the header do not match the file)");
        string dir = Path.Combine(Repo.Cache, "images", Path.GetFileNameWithoutExtension(path) + "-" + Math.Abs(path.GetHashCode()));
        Directory.CreateDirectory(dir);
        string kernel = Path.Combine(dir, "kernel.elf"), archive = Path.Combine(dir, "archive.cpio");
        Copy(f, kernel, h.Kernel);
        Copy(f, archive, h.Archive);
        if (!AppImage.IsElf(kernel)) throw new NimbusException($"{path}: corrupt image (the kernel is not an ELF file)");
        return (h, kernel, archive);
    }

    private static void Copy(Stream from, string to, long count)
    {
        using var o = File.Create(to);
        var buf = new byte[81920];
        while (count > 0)
        {
            int n = from.Read(buf, 0, (int)Math.Min(buf.Length, count));
            if (n <= 0) throw new NimbusException("corrupt image (truncated)");
            o.Write(buf, 0, n);
            count -= n;
        }
    }

    private static string? ReadLine(Stream s)
    {
        var bytes = new List<byte>();
        int b;
        while ((b = s.ReadByte()) >= 0 && b != '\n')
        {
            bytes.Add((byte)b);
            if (bytes.Count > 1 << 20) return null;
        }
        return b < 0 ? null : Encoding.UTF8.GetString(bytes.ToArray());
    }
}
