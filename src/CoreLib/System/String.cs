using System.Runtime.CompilerServices;

namespace System
{
    // Strings in the kernel are mostly frozen literals. Layout matches what the ILCompiler emits.
    public sealed unsafe class String
    {
#pragma warning disable 169, 649
        [NonSerialized]
        private int _stringLength;
        [NonSerialized]
        private char _firstChar;
#pragma warning restore 169, 649

        public int Length => _stringLength;

        [IndexerName("Chars")]
        public char this[int index]
        {
            [Intrinsic]
            get
            {
                if ((uint)index >= (uint)_stringLength) ThrowHelpers.IndexOutOfRange();
                fixed (char* p = &_firstChar) return p[index];
            }
        }

        public static bool Equals(string? a, string? b)
        {
            if ((object?)a == (object?)b) return true;
            if (a is null || b is null || a._stringLength != b._stringLength) return false;
            for (int i = 0; i < a._stringLength; i++)
                if (a[i] != b[i]) return false;
            return true;
        }

        public static bool operator ==(string? a, string? b) => Equals(a, b);
        public static bool operator !=(string? a, string? b) => !Equals(a, b);
        public override bool Equals(object? obj) => obj is string s && Equals(this, s);
        public override int GetHashCode()
        {
            int h = 5381;
            for (int i = 0; i < _stringLength; i++) h = h * 33 ^ this[i];
            return h;
        }
        public override string ToString() => this;

        public static implicit operator ReadOnlySpan<char>(string? value)
        {
            if (value is null) return default;
            fixed (char* p = &value._firstChar) return new ReadOnlySpan<char>(p, value._stringLength);
        }
    }

    public sealed class NonSerializedAttribute : Attribute { }
}
