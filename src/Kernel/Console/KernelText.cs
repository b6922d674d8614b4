using System;
using System.Runtime.CompilerServices;

namespace Nimbus.Kernel.Console
{
    // Allocation-free text building for kernel messages: `Log.Line($"x={x}")` formats into a fixed
    // buffer inside this struct. Overflowing text is truncated with a trailing "...".
    [InterpolatedStringHandler]
    public unsafe ref struct KernelText
    {
        public const int Capacity = 480;
        private fixed byte _buffer[Capacity];
        private int _length;
        private bool _truncated;

        public KernelText(int literalLength, int formattedCount) { _length = 0; _truncated = false; }

        public int Length => _length;
        public bool Truncated => _truncated;

        public ReadOnlySpan<byte> Bytes
        {
            get { fixed (byte* p = _buffer) return new ReadOnlySpan<byte>(p, _length); }
        }

        public void AppendLiteral(string s) => AppendString(s);

        public void AppendFormatted(string? s) => AppendString(s ?? "(null)");
        public void AppendFormatted(ReadOnlySpan<byte> ascii) { for (int i = 0; i < ascii.Length; i++) AppendByte(ascii[i]); }
        public void AppendFormatted(ReadOnlySpan<byte> ascii, int alignment)
        {
            int pad = (alignment < 0 ? -alignment : alignment) - ascii.Length;
            if (alignment > 0) for (int i = 0; i < pad; i++) AppendByte((byte)' ');
            AppendFormatted(ascii);
            if (alignment < 0) for (int i = 0; i < pad; i++) AppendByte((byte)' ');
        }

        public void AppendFormatted(char c) => AppendByte(c < 128 ? (byte)c : (byte)'?');
        public void AppendFormatted(bool b) => AppendString(b ? "true" : "false");
        public void AppendFormatted(int v) => AppendFormatted((long)v);
        public void AppendFormatted(uint v) => AppendFormatted((ulong)v);

        public void AppendFormatted(long v)
        {
            byte* tmp = stackalloc byte[24];
            int n = NumberFormat.Decimal(new Span<byte>(tmp, 24), v);
            AppendFormatted(new ReadOnlySpan<byte>(tmp, n));
        }

        public void AppendFormatted(ulong v)
        {
            byte* tmp = stackalloc byte[24];
            int n = NumberFormat.Unsigned(new Span<byte>(tmp, 24), v);
            AppendFormatted(new ReadOnlySpan<byte>(tmp, n));
        }

        // Formats: "x"/"X" hex, "x16" zero-padded to 16 digits, "0x16" with 0x prefix,
        // "ms3" treats the value as microseconds-scale fixed point with 3 decimals (1234 -> 1.234).
        public void AppendFormatted(ulong v, string format)
        {
            byte* tmp = stackalloc byte[32];
            var span = new Span<byte>(tmp, 32);
            int n;
            if (format.Length >= 1 && (format[0] == 'x' || format[0] == 'X'))
                n = NumberFormat.Hex(span, v, ParseWidth(format, 1), format[0] == 'X');
            else if (format.Length >= 2 && format[0] == '0' && format[1] == 'x')
            {
                AppendString("0x");
                n = NumberFormat.Hex(span, v, ParseWidth(format, 2), false);
            }
            else if (format.Length >= 2 && format[0] == 'f')
                n = NumberFormat.FixedPoint(span, v, ParseWidth(format, 1));
            else
                n = NumberFormat.Unsigned(span, v);
            AppendFormatted(new ReadOnlySpan<byte>(tmp, n));
        }

        public void AppendFormatted(long v, string format) => AppendFormatted((ulong)v, format);
        public void AppendFormatted(int v, string format) => AppendFormatted((ulong)(uint)v, format);
        public void AppendFormatted(uint v, string format) => AppendFormatted((ulong)v, format);
        public void AppendFormatted(int v, int alignment) => AppendPadded((long)v, alignment);
        public void AppendFormatted(long v, int alignment) => AppendPadded(v, alignment);
        public void AppendFormatted(ulong v, int alignment) => AppendPadded((long)v, alignment);

        public void AppendFormatted(string? s, int alignment)
        {
            s ??= "(null)";
            int pad = (alignment < 0 ? -alignment : alignment) - s.Length;
            if (alignment > 0) for (int i = 0; i < pad; i++) AppendByte((byte)' ');
            AppendString(s);
            if (alignment < 0) for (int i = 0; i < pad; i++) AppendByte((byte)' ');
        }

        private void AppendPadded(long v, int alignment)
        {
            byte* tmp = stackalloc byte[24];
            int n = NumberFormat.Decimal(new Span<byte>(tmp, 24), v);
            int pad = (alignment < 0 ? -alignment : alignment) - n;
            if (alignment > 0) for (int i = 0; i < pad; i++) AppendByte((byte)' ');
            AppendFormatted(new ReadOnlySpan<byte>(tmp, n));
            if (alignment < 0) for (int i = 0; i < pad; i++) AppendByte((byte)' ');
        }

        private static int ParseWidth(string format, int start)
        {
            int w = 0;
            for (int i = start; i < format.Length; i++)
            {
                char c = format[i];
                if (c < '0' || c > '9') break;
                w = w * 10 + (c - '0');
            }
            return w;
        }

        private void AppendString(string s)
        {
            for (int i = 0; i < s.Length; i++) AppendByte(s[i] < 128 ? (byte)s[i] : (byte)'?');
        }

        public void AppendByte(byte b)
        {
            if (_length < Capacity - 3) { _buffer[_length++] = b; return; }
            if (!_truncated)
            {
                _truncated = true;
                _buffer[_length++] = (byte)'.'; _buffer[_length++] = (byte)'.'; _buffer[_length++] = (byte)'.';
            }
        }
    }

    // Integer formatting into caller-provided buffers. Pure: tested on the host against the BCL.
    public static class NumberFormat
    {
        public static int Unsigned(Span<byte> dst, ulong v) => WriteUnsigned(dst, v);

        public static int Decimal(Span<byte> dst, long v)
        {
            if (v >= 0) return WriteUnsigned(dst, (ulong)v);
            dst[0] = (byte)'-';
            return 1 + WriteUnsigned(dst.Slice(1), (ulong)(-(v + 1)) + 1);
        }

        public static int WriteUnsigned(Span<byte> dst, ulong v)
        {
            int digits = 1;
            for (ulong t = v; t >= 10; t /= 10) digits++;
            for (int i = digits - 1; i >= 0; i--) { dst[i] = (byte)('0' + (int)(v % 10)); v /= 10; }
            return digits;
        }

        public static int Hex(Span<byte> dst, ulong v, int minDigits, bool upper)
        {
            int digits = 1;
            for (ulong t = v; t >= 16; t >>= 4) digits++;
            if (digits < minDigits) digits = minDigits;
            for (int i = digits - 1; i >= 0; i--)
            {
                int d = (int)(v & 15);
                dst[i] = (byte)(d < 10 ? '0' + d : (upper ? 'A' : 'a') + d - 10);
                v >>= 4;
            }
            return digits;
        }

        // value / 10^decimals with exactly `decimals` digits after the point: (1234, 3) -> "1.234".
        public static int FixedPoint(Span<byte> dst, ulong value, int decimals)
        {
            ulong scale = 1;
            for (int i = 0; i < decimals; i++) scale *= 10;
            int n = WriteUnsigned(dst, value / scale);
            if (decimals == 0) return n;
            dst[n++] = (byte)'.';
            ulong frac = value % scale;
            for (int i = decimals - 1; i >= 0; i--) { dst[n + i] = (byte)('0' + (int)(frac % 10)); frac /= 10; }
            return n + decimals;
        }
    }
}
