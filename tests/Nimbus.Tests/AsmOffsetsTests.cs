using System.Runtime.InteropServices;
using Nimbus.Cli;
using Xunit;

namespace Nimbus.Tests
{
    // The build computes struct layouts from metadata (src/Nimbus.Cli/AsmOffsets.cs) for the offsets
    // asm uses. Here the same code reads this test assembly, and every offset and size must equal
    // what the runtime really laid out, for the shapes kernel structs use.
    public unsafe class AsmOffsetsTests
    {
        internal sealed class AsmOffsetsAttribute(string prefix) : Attribute { public string Prefix => prefix; }

        private enum Small : byte { A, B }

        [StructLayout(LayoutKind.Sequential, Pack = 4)]
        private struct Packed { public uint A; public ulong B; public ushort C; }

        [AsmOffsets("MIXED")]
        private struct Mixed
        {
            public Mixed* Self;
            public byte Flag;
            public ulong Wide;
            public bool Ready;
            public Small Kind;
            public int Count;
            public fixed ulong Table[5];
            public char Letter;
            public Packed Inner;
            public delegate*<void> Handler;
            public byte Last;
        }

        [StructLayout(LayoutKind.Explicit, Size = 64), AsmOffsets("EXPLICIT")]
        private struct Explicit
        {
            [FieldOffset(0)] public uint Low;
            [FieldOffset(4)] public uint High;
            [FieldOffset(0)] public ulong Both;
            [FieldOffset(40)] public byte Tail;
        }

        private static List<AsmOffsets.StructLayoutInfo> Layouts() => AsmOffsets.Read(typeof(AsmOffsetsTests).Assembly.Location);

        private static int Offset(AsmOffsets.StructLayoutInfo s, string field) => s.Fields.Single(f => f.Name == field).Offset;

        [Fact]
        public void SequentialOffsetsAndSizeMatchTheRuntime()
        {
            var s = Layouts().Single(l => l.Prefix == "MIXED");
            Mixed m;
            byte* b = (byte*)&m;
            Assert.Equal((int)((byte*)&m.Self - b), Offset(s, "Self"));
            Assert.Equal((int)((byte*)&m.Flag - b), Offset(s, "Flag"));
            Assert.Equal((int)((byte*)&m.Wide - b), Offset(s, "Wide"));
            Assert.Equal((int)((byte*)&m.Ready - b), Offset(s, "Ready"));
            Assert.Equal((int)((byte*)&m.Kind - b), Offset(s, "Kind"));
            Assert.Equal((int)((byte*)&m.Count - b), Offset(s, "Count"));
            Assert.Equal((int)((byte*)m.Table - b), Offset(s, "Table"));
            Assert.Equal((int)((byte*)&m.Letter - b), Offset(s, "Letter"));
            Assert.Equal((int)((byte*)&m.Inner - b), Offset(s, "Inner"));
            Assert.Equal((int)((byte*)&m.Handler - b), Offset(s, "Handler"));
            Assert.Equal((int)((byte*)&m.Last - b), Offset(s, "Last"));
            Assert.Equal(sizeof(Mixed), s.Size);
            Assert.Equal(11, s.Fields.Count);
        }

        [Fact]
        public void ExplicitOffsetsAndDeclaredSizeAreKept()
        {
            var s = Layouts().Single(l => l.Prefix == "EXPLICIT");
            Assert.Equal(4, Offset(s, "High"));
            Assert.Equal(0, Offset(s, "Both"));
            Assert.Equal(40, Offset(s, "Tail"));
            Assert.Equal(sizeof(Explicit), s.Size);
        }

        [Fact]
        public void OnlyMarkedStructsAreExportedUnderAsmNames()
        {
            Assert.Equal(["EXPLICIT", "MIXED"], Layouts().Select(l => l.Prefix).Order());
            Assert.Equal("ENTRY_STACK_TOP", AsmOffsets.AsmName("EntryStackTop"));
            Assert.Equal("APIC_ID", AsmOffsets.AsmName("ApicId"));
            Assert.Equal("RSP", AsmOffsets.AsmName("Rsp"));
            Assert.Equal("TLS_ADDRESS", AsmOffsets.AsmName("TLSAddress"));
            string inc = AsmOffsets.Generate(typeof(AsmOffsetsTests).Assembly.Location);
            Assert.Contains($".set MIXED_WIDE, {(int)Marshal.OffsetOf<Mixed>(nameof(Mixed.Wide))}\n", inc);
            Assert.Contains($".set EXPLICIT_SIZE, 64\n", inc);
        }
    }
}
