using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Console;

namespace Nimbus.Kernel.Elf
{
    // --allow-missing: every symbol nothing defines is bound to a stub of its own, which ends the
    // program naming the function when it is called. Stubs live in application pages, 32 bytes each:
    //   mov edi, INDEX; movabs rax, missing_function_called; jmp rax; then, at +24, the name's address
    // (kept in the stub itself, so no kernel table waits for a run that never uses --allow-missing).
    internal static unsafe class MissingStubs
    {
        private const int StubSize = 32, MaxStubs = 4096 / StubSize * 16;
        private static byte* s_page;
        private static int s_count;
        private const int NameOffset = 24;

        [RuntimeImport("*", "missing_function_called_address")] [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern ulong CommonEntry();

        public static ulong For(byte* name)
        {
            for (int i = 0; i < s_count; i++)
                if (ElfImage.NamesEqual(NameOf(i), name)) return (ulong)(s_page + i * StubSize);
            if (s_count == MaxStubs) return 0;
            if (s_page == null)
            {
                long area = AddressSpace.Map(0, MaxStubs * StubSize, VmaSet.ProtRead | VmaSet.ProtWrite, AddressSpace.KindImage, false);
                if (area < 0 || !AddressSpace.Populate((ulong)area, (ulong)area + MaxStubs * StubSize)) return 0;
                s_page = (byte*)area;
            }
            Log.Error($"nimbus: warning: {Fs.Vfs.Span(name)} is missing; calling it will end the program (--allow-missing)");
            int index = s_count++;
            byte* s = s_page + index * StubSize;
            *(ulong*)(s + NameOffset) = (ulong)name;
            s[0] = 0xBF; *(int*)(s + 1) = index;                 // mov edi, index
            s[5] = 0x48; s[6] = 0xB8; *(ulong*)(s + 7) = CommonEntry();   // movabs rax, imm64
            s[15] = 0xFF; s[16] = 0xE0;                          // jmp rax
            return (ulong)s;
        }

        private static byte* NameOf(int index) => (byte*)*(ulong*)(s_page + index * StubSize + NameOffset);

        // Once linking is done, the stubs become read-execute.
        public static void Seal()
        {
            if (s_page != null) AddressSpace.Protect((ulong)s_page, MaxStubs * StubSize, VmaSet.ProtRead | VmaSet.ProtExec);
        }

        [UnmanagedCallersOnly(EntryPoint = "missing_function_called")]
        private static void Called(int index)
        {
            byte* name = NameOf(index);
            ProgramRuntime.FlushOutput();
            Log.Error($"nimbus: the application called {Fs.Vfs.Span(name)}, which Nimbus does not provide (started with --allow-missing)");
            ProgramRuntime.QuickExit(127);
        }
    }
}
