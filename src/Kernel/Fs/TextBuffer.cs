using System;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Console;

namespace Nimbus.Kernel.Fs
{
    // A growable byte buffer on the kernel heap for generated file content: `b.Add($"...")` appends
    // formatted text. The generated files hand the finished buffer to the open file (Take).
    internal unsafe struct TextBuffer
    {
        public byte* Data;
        public ulong Length, Capacity;

        public void Add(ref KernelText text) => Add(text.Bytes);

        public void Add(ReadOnlySpan<byte> bytes)
        {
            Reserve((ulong)bytes.Length);
            for (int i = 0; i < bytes.Length; i++) Data[Length + (ulong)i] = bytes[i];
            Length += (ulong)bytes.Length;
        }

        public void Add(byte* s)
        {
            if (s != null) Add(Vfs.Span(s));
        }

        public void AddByte(byte b)
        {
            Reserve(1);
            Data[Length++] = b;
        }

        private void Reserve(ulong more)
        {
            if (Length + more <= Capacity) return;
            ulong cap = Capacity == 0 ? 256 : Capacity * 2;
            while (cap < Length + more) cap *= 2;
            byte* data = (byte*)KernelHeap.Alloc(cap);
            if (Length > 0) Mem.Move(data, Data, (nuint)Length);
            if (Data != null) KernelHeap.Free(Data);
            Data = data;
            Capacity = cap;
        }

        // The content, owned by the caller from now on (an empty buffer gives a 1-byte allocation).
        public byte* Take(out ulong length)
        {
            Reserve(1);
            length = Length;
            byte* d = Data;
            Data = null;
            Length = Capacity = 0;
            return d;
        }
    }
}
