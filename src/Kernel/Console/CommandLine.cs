using System;

namespace Nimbus.Kernel.Console
{
    public struct Token
    {
        public int Offset, Length;
        public bool IsSeparator;      // an unquoted ';' between commands
    }

    public enum ParseStatus { Ok, UnterminatedQuote, TooManyTokens, TooLong }

    // Splits a kernel command line into words: whitespace separates, '...' and "..." quote,
    // backslash escapes the next character, an unquoted ';' separates commands.
    // Words are copied (unescaped) into `text`. Pure logic: tested on the host.
    public static class CommandLine
    {
        public static ParseStatus Parse(ReadOnlySpan<byte> input, Span<byte> text, Span<Token> tokens, out int count)
        {
            count = 0;
            int o = 0, i = 0;
            while (true)
            {
                while (i < input.Length && IsSpace(input[i])) i++;
                if (i >= input.Length || input[i] == 0) return ParseStatus.Ok;
                if (count == tokens.Length) return ParseStatus.TooManyTokens;
                if (input[i] == (byte)';')
                {
                    tokens[count++] = new Token { Offset = o, Length = 0, IsSeparator = true };
                    i++;
                    continue;
                }
                int start = o;
                byte quote = 0;
                while (i < input.Length && input[i] != 0)
                {
                    byte c = input[i];
                    if (quote != 0)
                    {
                        if (c == quote) { quote = 0; i++; continue; }
                        if (c == (byte)'\\' && quote == (byte)'"' && i + 1 < input.Length) { i++; c = input[i]; }
                    }
                    else
                    {
                        if (IsSpace(c) || c == (byte)';') break;
                        if (c == (byte)'"' || c == (byte)'\'') { quote = c; i++; continue; }
                        if (c == (byte)'\\' && i + 1 < input.Length) { i++; c = input[i]; }
                    }
                    if (o == text.Length) return ParseStatus.TooLong;
                    text[o++] = c;
                    i++;
                }
                if (quote != 0) return ParseStatus.UnterminatedQuote;
                tokens[count++] = new Token { Offset = start, Length = o - start };
            }
        }

        private static bool IsSpace(byte c) => c == (byte)' ' || c == (byte)'\t' || c == (byte)'\n' || c == (byte)'\r';

        public static bool Equals(ReadOnlySpan<byte> word, string s)
        {
            if (word.Length != s.Length) return false;
            for (int i = 0; i < s.Length; i++) if (word[i] != (byte)s[i]) return false;
            return true;
        }

        public static bool StartsWith(ReadOnlySpan<byte> word, string s)
        {
            if (word.Length < s.Length) return false;
            for (int i = 0; i < s.Length; i++) if (word[i] != (byte)s[i]) return false;
            return true;
        }

        public static bool Contains(ReadOnlySpan<byte> haystack, ReadOnlySpan<byte> needle)
        {
            if (needle.Length == 0) return true;
            for (int i = 0; i + needle.Length <= haystack.Length; i++)
            {
                int j = 0;
                while (j < needle.Length && haystack[i + j] == needle[j]) j++;
                if (j == needle.Length) return true;
            }
            return false;
        }

        public static bool Contains(ReadOnlySpan<byte> haystack, string needle)
        {
            for (int i = 0; i + needle.Length <= haystack.Length; i++)
            {
                int j = 0;
                while (j < needle.Length && (char)haystack[i + j] == needle[j]) j++;
                if (j == needle.Length) return true;
            }
            return false;
        }

        public static bool Contains(string haystack, ReadOnlySpan<byte> needle)
        {
            for (int i = 0; i + needle.Length <= haystack.Length; i++)
            {
                int j = 0;
                while (j < needle.Length && haystack[i + j] == (char)needle[j]) j++;
                if (j == needle.Length) return true;
            }
            return false;
        }

        // Parses a decimal integer with optional sign; false if it is not one.
        public static bool TryParseInt(ReadOnlySpan<byte> word, out long value)
        {
            value = 0;
            int i = 0;
            bool negative = false;
            if (word.Length > 0 && (word[0] == (byte)'-' || word[0] == (byte)'+')) { negative = word[0] == (byte)'-'; i = 1; }
            if (i >= word.Length) return false;
            for (; i < word.Length; i++)
            {
                byte c = word[i];
                if (c < (byte)'0' || c > (byte)'9') return false;
                if (value > (long.MaxValue - 9) / 10) return false;
                value = value * 10 + (c - '0');
            }
            if (negative) value = -value;
            return true;
        }
    }
}
