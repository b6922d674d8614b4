using System.Globalization;
using System.Text;
using Nimbus.Kernel.Console;
using Nimbus.Kernel.Console;
using Xunit;

namespace Nimbus.Tests;

public class NumberFormatTests
{
    private static string Fmt(Func<byte[], int> f) { var b = new byte[40]; int n = f(b); return Encoding.ASCII.GetString(b, 0, n); }

    [Fact]
    public void MatchesTheBclForThousandsOfValues()
    {
        var rng = new Random(3);
        var values = new List<long> { 0, 1, -1, 9, 10, 99, 100, long.MaxValue, long.MinValue, int.MaxValue, int.MinValue };
        for (int i = 0; i < 5000; i++) values.Add(rng.NextInt64(long.MinValue, long.MaxValue) >> rng.Next(64));
        foreach (var v in values)
        {
            Assert.Equal(v.ToString(CultureInfo.InvariantCulture), Fmt(b => NumberFormat.Decimal(b, v)));
            Assert.Equal(((ulong)v).ToString(CultureInfo.InvariantCulture), Fmt(b => NumberFormat.Unsigned(b, (ulong)v)));
            Assert.Equal(((ulong)v).ToString("x", CultureInfo.InvariantCulture), Fmt(b => NumberFormat.Hex(b, (ulong)v, 0, false)));
            Assert.Equal(((ulong)v).ToString("X16", CultureInfo.InvariantCulture), Fmt(b => NumberFormat.Hex(b, (ulong)v, 16, true)));
            ulong u = (ulong)v >> 4;
            Assert.Equal((u / 1000).ToString(CultureInfo.InvariantCulture) + "." + (u % 1000).ToString("D3", CultureInfo.InvariantCulture),
                Fmt(b => NumberFormat.FixedPoint(b, u, 3)));
        }
    }

    [Fact]
    public void InterpolationFormatsIntoTheFixedBuffer()
    {
        KernelText t = $"a={42} b={-7L} h=0x{255UL:x4} ms={12345UL:f3} s={"str"} [{5,4}] [{"l",-3}] {true}";
        Assert.Equal("a=42 b=-7 h=0x00ff ms=12.345 s=str [   5] [l  ] true", Encoding.ASCII.GetString(t.Bytes));
    }

    [Fact]
    public void LongTextIsTruncatedVisibly()
    {
        var t = new KernelText(0, 0);
        for (int i = 0; i < 1000; i++) t.AppendLiteral("x");
        Assert.True(t.Truncated);
        Assert.Equal(KernelText.Capacity, t.Length);
        Assert.EndsWith("...", Encoding.ASCII.GetString(t.Bytes));
    }
}

public class CommandLineTests
{
    private static (ParseStatus, List<string>) Parse(string s)
    {
        var text = new byte[256];
        var tokens = new Token[32];
        var st = CommandLine.Parse(Encoding.ASCII.GetBytes(s), text, tokens, out int n);
        var words = tokens.Take(st == ParseStatus.Ok ? n : 0)
            .Select(t => t.IsSeparator ? ";" : Encoding.ASCII.GetString(text, t.Offset, t.Length)).ToList();
        return (st, words);
    }

    [Theory]
    [InlineData("echo hello", new[] { "echo", "hello" })]
    [InlineData("  echo   a\tb  ", new[] { "echo", "a", "b" })]
    [InlineData("echo 'a b' \"c d\"", new[] { "echo", "a b", "c d" })]
    [InlineData("echo it\\'s \"say \\\"hi\\\"\"", new[] { "echo", "it's", "say \"hi\"" })]
    [InlineData("echo a;echo b ; exit 3", new[] { "echo", "a", ";", "echo", "b", ";", "exit", "3" })]
    [InlineData("echo 'semi;colon'", new[] { "echo", "semi;colon" })]
    [InlineData("--bootchart selftest mem", new[] { "--bootchart", "selftest", "mem" })]
    [InlineData("echo ''", new[] { "echo", "" })]
    [InlineData("", new string[0])]
    public void SplitsWordsQuotesAndCommands(string input, string[] expected)
    {
        var (st, words) = Parse(input);
        Assert.Equal(ParseStatus.Ok, st);
        Assert.Equal(expected, words);
    }

    [Fact]
    public void ReportsErrors()
    {
        Assert.Equal(ParseStatus.UnterminatedQuote, Parse("echo 'oops").Item1);
        Assert.Equal(ParseStatus.TooManyTokens, Parse(string.Join(' ', Enumerable.Repeat("w", 40))).Item1);
        Assert.Equal(ParseStatus.TooLong, Parse("echo " + new string('x', 300)).Item1);
    }

    [Theory]
    [InlineData("0", true, 0L)]
    [InlineData("255", true, 255L)]
    [InlineData("-12", true, -12L)]
    [InlineData("+7", true, 7L)]
    [InlineData("12a", false, 0L)]
    [InlineData("", false, 0L)]
    [InlineData("-", false, 0L)]
    [InlineData("99999999999999999999", false, 0L)]
    public void ParsesIntegers(string s, bool ok, long value)
    {
        Assert.Equal(ok, CommandLine.TryParseInt(Encoding.ASCII.GetBytes(s), out long v));
        if (ok) Assert.Equal(value, v);
    }
}
