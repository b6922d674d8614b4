using System.Diagnostics;
using System.Runtime.InteropServices;
using Nimbus.Kernel.Elf;
using Xunit;

namespace Nimbus.Tests;

// The kernel's ELF validation and linker, over real files gcc builds during the test: a shared
// library and a PIE are loaded into this test process with ElfFile/ElfImage, bound against the
// host's libc, and then called, so every relocation type they contain is checked by running code.
public unsafe class ElfLoaderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nimbus-elf-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly List<(nint Address, nuint Size)> _mappings = [];

    private const string LibrarySource = """
        #include <string.h>
        #include <stdlib.h>
        int shared_value = 1234;
        static int counter = 10;
        static const char *names[] = { "zero", "one", "two" };      /* R_X86_64_RELATIVE */
        int *counter_address = &counter;                              /* R_X86_64_RELATIVE / 64 */
        static __thread int tls_counter = 5;                          /* DTPMOD64 + DTPOFF64 via __tls_get_addr */
        static int constructed;
        __attribute__((constructor)) static void init(void) { constructed = 77; }
        int lib_add(int a, int b) { return a + b; }
        size_t lib_strlen(const char *s) { return strlen(s); }        /* JUMP_SLOT into libc */
        const char *lib_name(int i) { return names[i]; }
        int lib_bump(void) { return ++*counter_address; }
        int lib_tls_bump(void) { return ++tls_counter; }
        int lib_constructed(void) { return constructed; }
        char *lib_getenv_home(void) { return getenv("HOME"); }
        static int answer_impl(void) { return 42; }
        static int (*resolve_answer(void))(void) { return answer_impl; }
        int answer(void) __attribute__((ifunc("resolve_answer")));    /* R_X86_64_IRELATIVE */
        int lib_answer(void) { return answer(); }
        """;

    private const string ProgramSource = """
        extern int shared_value;                                      /* R_X86_64_COPY in a PIE */
        int exe_read_shared(void) { return shared_value; }
        int lib_add(int a, int b);
        int exe_call_lib(void) { return lib_add(20, 22); }
        int main(void) { return 0; }
        """;

    private const string MissingSource = """
        int nonexistent_function(int);
        extern int nonexistent_data;
        int uses_missing(void) { return nonexistent_function(1) + nonexistent_data; }
        int (*function_pointer)(int) = nonexistent_function;          /* a second relocation naming it */
        """;

    public ElfLoaderTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        foreach (var (a, s) in _mappings) munmap(a, s);
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [DllImport("libc", SetLastError = true)] private static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, nint offset);
    [DllImport("libc")] private static extern int munmap(nint addr, nuint length);

    private string Gcc(string name, string source, params string[] flags)
    {
        string src = Path.Combine(_dir, name + ".c"), output = Path.Combine(_dir, name);
        File.WriteAllText(src, source);
        var psi = new ProcessStartInfo("gcc") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = _dir };
        psi.ArgumentList.Add(src);                                     // first: libraries in `flags` must follow it
        foreach (var f in flags) psi.ArgumentList.Add(f);
        psi.ArgumentList.Add("-o"); psi.ArgumentList.Add(output);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("gcc (a dependency of the tests) could not be started");
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"gcc failed: {err}");
        return output;
    }

    // Maps an ELF file's PT_LOAD segments into fresh read-write-execute memory of this process,
    // as ProgramLoader does in the kernel's address space, and parses its dynamic section.
    private ElfImage* Load(string path, byte[] bytes)
    {
        fixed (byte* data = bytes)
        {
            Assert.Equal(ElfError.Ok, ElfFile.Open(data, (ulong)bytes.Length, out ElfFile file));
            nuint span = (nuint)(file.MaxVAddr - file.MinVAddr);
            nint mem = mmap(0, span, 7, 0x22, -1, 0);                 // RWX, MAP_PRIVATE | MAP_ANONYMOUS
            Assert.NotEqual(-1, mem);
            _mappings.Add((mem, span));
            var img = (ElfImage*)NativeMemory.AllocZeroed((nuint)sizeof(ElfImage));
            img->Bias = (byte*)(mem - (nint)file.MinVAddr);
            img->Start = (ulong)mem;
            img->End = (ulong)mem + span;
            img->Path = (byte*)Marshal.StringToHGlobalAnsi(path);
            for (int i = 0; i < file.ProgramHeaderCount; i++)
            {
                Elf64Phdr* ph = &file.ProgramHeaders[i];
                if (ph->Type == ElfFile.PtLoad) Buffer.MemoryCopy(data + ph->Offset, img->Bias + ph->VAddr, (long)ph->MemSize, (long)ph->FileSize);
                if (ph->Type == ElfFile.PtTls) { img->TlsInit = (ulong)img->Bias + ph->VAddr; img->TlsInitSize = ph->FileSize; img->TlsSize = ph->MemSize; }
            }
            Elf64Phdr* dyn = file.FindSegment(ElfFile.PtDynamic);
            Assert.True(dyn != null, "no dynamic section");
            Assert.True(img->ParseDynamic((Elf64Dyn*)(img->Bias + dyn->VAddr), dyn->MemSize / (ulong)sizeof(Elf64Dyn)));
            return img;
        }
    }

    // The global scope of a test: the loaded images in order, then the host's libc, resolved by the
    // kernel's own SymbolScope (what ProgramLoader uses, with the kernel's exports behind the objects).
    private static readonly List<nint> s_scope = [];
    private static readonly List<string> s_missing = [];
    private static MissingNames s_missingNames;
    private static byte* s_tlsBlock;

    private static bool Resolve(void* context, ElfImage* requester, byte* name, bool excludeRequester, Resolution* result)
    {
        fixed (nint* objects = CollectionsMarshal.AsSpan(s_scope))
        {
            var scope = new SymbolScope { Objects = (ElfImage**)objects, Count = s_scope.Count, Fallback = &HostLibc };
            return scope.Resolve(requester, name, excludeRequester, result);
        }
    }

    private static ulong HostLibc(byte* name)
    {
        string s = Marshal.PtrToStringAnsi((nint)name)!;
        if (s == "__tls_get_addr") return (ulong)(delegate* unmanaged<ulong*, byte*>)&TlsGetAddr;
        return NativeLibrary.TryGetExport(NativeLibrary.Load("libc.so.6"), s, out nint address) ? (ulong)address : 0;
    }

    private static void Missing(void* context, ElfImage* requester, byte* name)
    {
        if (s_missingNames.Add(name)) s_missing.Add(Marshal.PtrToStringAnsi((nint)name)!);
    }

    private static void ResetScope()
    {
        s_scope.Clear();
        s_missing.Clear();
        s_missingNames = default;
    }

    // One TLS module (the library's), one thread: its block is s_tlsBlock.
    [UnmanagedCallersOnly]
    private static byte* TlsGetAddr(ulong* index) => s_tlsBlock + index[1];

    private static int Relocate(ElfImage* img)
    {
        var resolver = new SymbolResolver { Resolve = &Resolve, Missing = &Missing };
        return img->Relocate(&resolver);
    }

    private static ulong Function(ElfImage* img, string name)
    {
        nint n = Marshal.StringToHGlobalAnsi(name);
        Elf64Sym* s = img->Lookup((byte*)n, ElfImage.GnuHashOf((byte*)n));
        Marshal.FreeHGlobal(n);
        Assert.True(s != null, $"{name} is not defined");
        return (ulong)img->Bias + s->Value;
    }

    [Fact]
    public void LibraryRelocationsBindAndTheCodeRuns()
    {
        string so = Gcc("libtest.so", LibrarySource, "-O1", "-fPIC", "-shared");
        lock (s_scope)
        {
            ResetScope();
            ElfImage* lib = Load(so, File.ReadAllBytes(so));
            lib->TlsModule = 1;
            s_scope.Add((nint)lib);
            Assert.Equal(0, Relocate(lib));
            Assert.Empty(s_missing);
            s_tlsBlock = (byte*)NativeMemory.AllocZeroed((nuint)Math.Max(lib->TlsSize, 16));
            Buffer.MemoryCopy((void*)lib->TlsInit, s_tlsBlock, (long)lib->TlsSize, (long)lib->TlsInitSize);
            for (ulong i = 0; i < lib->InitArrayCount; i++)
            {
                ulong f = ((ulong*)lib->InitArray)[i];
                if (f != 0 && f != ulong.MaxValue) ((delegate* unmanaged<void>)f)();
            }

            Assert.Equal(5, ((delegate* unmanaged<int, int, int>)Function(lib, "lib_add"))(2, 3));
            nint hello = Marshal.StringToHGlobalAnsi("hello");
            Assert.Equal(5UL, ((delegate* unmanaged<byte*, ulong>)Function(lib, "lib_strlen"))((byte*)hello));
            Marshal.FreeHGlobal(hello);
            Assert.Equal("two", Marshal.PtrToStringAnsi((nint)((delegate* unmanaged<int, byte*>)Function(lib, "lib_name"))(2)));
            var bump = ((delegate* unmanaged<int>)Function(lib, "lib_bump"));
            Assert.Equal(11, bump());
            Assert.Equal(12, bump());
            var tls = ((delegate* unmanaged<int>)Function(lib, "lib_tls_bump"));
            Assert.Equal(6, tls());
            Assert.Equal(7, tls());
            Assert.Equal(77, ((delegate* unmanaged<int>)Function(lib, "lib_constructed"))());
            Assert.Equal(42, ((delegate* unmanaged<int>)Function(lib, "lib_answer"))());
            Assert.Equal(Environment.GetEnvironmentVariable("HOME"), Marshal.PtrToStringAnsi((nint)((delegate* unmanaged<byte*>)Function(lib, "lib_getenv_home"))()));
        }
    }

    [Fact]
    public void CopyRelocationsGiveTheProgramItsOwnCopy()
    {
        string so = Gcc("libshared.so", LibrarySource, "-O1", "-fPIC", "-shared");
        string exe = Gcc("program", ProgramSource, "-O1", "-fPIE", "-pie", "-rdynamic", "-L" + _dir, "-lshared");
        lock (s_scope)
        {
            ResetScope();
            ElfImage* program = Load(exe, File.ReadAllBytes(exe));
            ElfImage* lib = Load(so, File.ReadAllBytes(so));
            lib->TlsModule = 1;
            s_scope.Add((nint)program);
            s_scope.Add((nint)lib);
            Assert.Equal(0, Relocate(lib));
            Assert.Equal(0, Relocate(program));
            Assert.Empty(s_missing);
            Assert.Equal(1234, ((delegate* unmanaged<int>)Function(program, "exe_read_shared"))());
            Assert.Equal(42, ((delegate* unmanaged<int>)Function(program, "exe_call_lib"))());
        }
    }

    [Fact]
    public void EveryMissingSymbolIsReportedByName()
    {
        string so = Gcc("libmissing.so", MissingSource, "-O1", "-fPIC", "-shared");
        lock (s_scope)
        {
            ResetScope();
            ElfImage* lib = Load(so, File.ReadAllBytes(so));
            s_scope.Add((nint)lib);
            Assert.True(Relocate(lib) >= 3);                                 // every unresolved relocation counts
            Assert.Equal(["nonexistent_data", "nonexistent_function"], s_missing.Order());   // each name listed once
            Assert.Equal(2, s_missingNames.Count);
        }
    }

    [Fact]
    public void TheScopeIsSearchedInLoadOrderAndACopyLooksPastItsRequester()
    {
        string first = Gcc("libfirst.so", "int which = 1; int only_first = 5;", "-fPIC", "-shared");
        string second = Gcc("libsecond.so", "int which = 2;", "-fPIC", "-shared");
        lock (s_scope)
        {
            ResetScope();
            ElfImage* a = Load(first, File.ReadAllBytes(first));
            ElfImage* b = Load(second, File.ReadAllBytes(second));
            s_scope.Add((nint)a);
            s_scope.Add((nint)b);
            fixed (byte* which = "which\0"u8, onlyFirst = "only_first\0"u8, absent = "no_such_symbol_anywhere\0"u8, strlen = "strlen\0"u8)
            {
                Resolution r;
                Assert.True(Resolve(null, b, which, false, &r));
                Assert.True(r.Definer == a, "the first object in load order defines it");
                Assert.Equal(1, *(int*)r.Address);
                Assert.True(Resolve(null, a, which, true, &r));
                Assert.True(r.Definer == b, "a copy relocation skips its own object");
                Assert.Equal(2, *(int*)r.Address);
                Assert.False(Resolve(null, a, onlyFirst, true, &r));         // defined only by the requester
                Assert.False(Resolve(null, a, absent, false, &r));
                Assert.True(Resolve(null, a, strlen, false, &r));            // behind the objects: the fallback
                Assert.True(r.Definer == null && r.Address != 0);
            }
        }
    }

    [Fact]
    public void MalformedFilesAreRejectedWithTheReason()
    {
        string so = Gcc("libok.so", "int f(void) { return 1; }", "-fPIC", "-shared");
        byte[] good = File.ReadAllBytes(so);
        ElfError Open(byte[] b) { fixed (byte* p = b) return ElfFile.Open(p, (ulong)b.Length, out _); }

        Assert.Equal(ElfError.Ok, Open(good));
        Assert.Equal(ElfError.TooSmall, Open(good[..10]));
        var badMagic = (byte[])good.Clone(); badMagic[1] = (byte)'X';
        Assert.Equal(ElfError.NotElf, Open(badMagic));
        var elf32 = (byte[])good.Clone(); elf32[4] = 1;
        Assert.Equal(ElfError.Not64Bit, Open(elf32));
        var arm = (byte[])good.Clone(); arm[18] = 183;                       // EM_AARCH64
        Assert.Equal(ElfError.NotX86_64, Open(arm));
        Assert.Equal(ElfError.BadProgramHeaders, Open(good[..100]));          // the program headers are cut off
        var farSegment = (byte[])good.Clone();
        ulong phoff = BitConverter.ToUInt64(good, 32);
        BitConverter.GetBytes((ulong)good.Length * 4).CopyTo(farSegment, (int)phoff + 8);   // first PT_LOAD's p_offset
        Assert.Equal(ElfError.SegmentOutsideFile, Open(farSegment));
        // Random corruption never crashes the validator.
        var rng = new Random(7);
        for (int i = 0; i < 2000; i++)
        {
            var b = (byte[])good.Clone();
            for (int k = 0; k < 8; k++) b[rng.Next(0, 512)] = (byte)rng.Next(256);
            Open(b[..rng.Next(1, b.Length)]);
        }
    }
}
