using System.Runtime;
using System.Runtime.InteropServices;
using Nimbus.Kernel.Elf;

namespace Nimbus.Kernel.Libc.Dlfcn
{
    // <dlfcn.h> and <link.h>: the loaded objects as glibc's dynamic loader would describe them.
    // dlopen finds what is loaded (the program, its libraries, the kernel standing in for libc) or
    // loads the library then; dlclose keeps it (as RTLD_NODELETE would).
    internal static unsafe class Dl
    {
        private const ulong KernelHandle = 0x4B45524E454C;   // "KERNEL": libc.so.6 and friends
        private static byte* s_error;

        [StructLayout(LayoutKind.Sequential)]
        private struct PhdrInfo
        {
            public ulong Address;
            public byte* Name;
            public ulong Phdr;
            public ushort PhdrCount;
            public ulong Adds, Subs, TlsModule;
            public ulong TlsData;
        }

        [RuntimeExport("abi_dl_iterate_phdr")]
        private static int IteratePhdr(delegate* unmanaged<PhdrInfo*, ulong, void*, int> callback, void* data)
        {
            PhdrInfo info;
            for (int i = 0; i < ProgramLoader.ObjectCount; i++)
            {
                ElfImage* o = ProgramLoader.Get(i);
                info.Address = (ulong)o->Bias;
                info.Name = i == 0 ? Empty : o->Path;
                info.Phdr = o->Phdr;
                info.PhdrCount = (ushort)o->PhdrCount;
                info.Adds = (ulong)ProgramLoader.ObjectCount;
                info.Subs = 0;
                info.TlsModule = o->TlsModule;
                info.TlsData = 0;
                int r = callback(&info, (ulong)sizeof(PhdrInfo), data);
                if (r != 0) return r;
            }
            return 0;
        }

        private static byte* Empty { get { fixed (byte* p = "\0"u8) return p; } }

        [StructLayout(LayoutKind.Sequential)]
        private struct DlInfo { public byte* FileName; public ulong FileBase; public byte* SymbolName; public ulong SymbolAddress; }

        [RuntimeExport("abi_dladdr")]
        private static int Dladdr(ulong address, DlInfo* info)
        {
            ElfImage* o = AppSymbols.ObjectAt(address);
            if (o == null) return 0;
            info->FileName = o->Path;
            info->FileBase = o->Start;
            Elf64Sym* s = AppSymbols.Nearest(o, address);
            info->SymbolName = s == null ? null : o->NameAt(s->Name);
            info->SymbolAddress = s == null ? 0 : (ulong)o->Bias + s->Value;
            return 1;
        }

        [RuntimeExport("abi_dladdr1")]
        private static int Dladdr1(ulong address, DlInfo* info, void** extra, int flags)
        {
            if (extra != null) *extra = null;
            ElfImage* o = AppSymbols.ObjectAt(address);
            if (o == null) return 0;
            info->FileName = o->Path;
            info->FileBase = o->Start;
            info->SymbolName = null;
            info->SymbolAddress = 0;
            return 1;
        }

        [RuntimeExport("abi_dlopen")]
        private static ulong Dlopen(byte* name, int flags)
        {
            if (name == null) return (ulong)ProgramLoader.Executable;
            byte* baseName = name;
            for (byte* c = name; *c != 0; c++) if (*c == (byte)'/') baseName = c + 1;
            if (KernelExports.IsKernelLibrary(baseName)) return KernelHandle;
            for (int i = 0; i < ProgramLoader.ObjectCount; i++)
            {
                ElfImage* o = ProgramLoader.Get(i);
                if (ElfImage.NamesEqual(o->Path, name) || (o->Soname != 0 && ElfImage.NamesEqual(o->NameAt(o->Soname), baseName))) return (ulong)o;
            }
            ElfImage* lib = ProgramLoader.OpenLibrary(name, out var why);
            if (lib == null) fixed (byte* e = why) s_error = e;     // u8 literals end with a NUL the span does not count
            return (ulong)lib;
        }

        [RuntimeExport("abi_dlsym")]
        private static ulong Dlsym(ulong handle, byte* name)
        {
            ulong a = 0;
            if (handle == KernelHandle) a = KernelExports.Lookup(name);
            else if (handle == 0 || handle == ulong.MaxValue || handle == (ulong)ProgramLoader.Executable)   // RTLD_DEFAULT, RTLD_NEXT, the program
            {
                uint h = ElfImage.GnuHashOf(name);
                for (int i = 0; i < ProgramLoader.ObjectCount && a == 0; i++) a = Address(ProgramLoader.Get(i), name, h);
                if (a == 0) a = KernelExports.Lookup(name);
            }
            else a = Address((ElfImage*)handle, name, ElfImage.GnuHashOf(name));
            if (a == 0) fixed (byte* e = "undefined symbol\0"u8) s_error = e;
            return a;
        }

        private static ulong Address(ElfImage* o, byte* name, uint hash)
        {
            Elf64Sym* s = o->Lookup(name, hash);
            return s == null ? 0 : (ulong)o->Bias + s->Value;
        }

        [RuntimeExport("abi_dlclose")]
        private static int Dlclose(ulong handle) => 0;

        [RuntimeExport("abi_dlerror")]
        private static byte* Dlerror()
        {
            byte* e = s_error;
            s_error = null;
            return e;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct TlsIndex { public ulong Module, Offset; }

        [RuntimeExport("abi___tls_get_addr")]
        private static ulong TlsGetAddr(TlsIndex* ti) => Tls.Address(Sched.Scheduler.Current->FsBase, ti->Module, ti->Offset);
    }
}
