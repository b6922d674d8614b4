using System;

namespace Nimbus.Kernel.Arch.X64
{
    // Marks a struct whose field offsets assembly code uses: the build writes them to
    // out/kernel/asm-offsets.inc as `.set PREFIX_FIELD_NAME, offset` (and PREFIX_SIZE), which the .S
    // files include, so asm and C# cannot disagree. See src/Nimbus.Cli/AsmOffsets.cs.
    internal sealed class AsmOffsetsAttribute : Attribute
    {
        public AsmOffsetsAttribute(string prefix) { }
    }
}
