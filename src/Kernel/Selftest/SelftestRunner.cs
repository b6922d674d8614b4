using System;

using Nimbus.Kernel.Console;
using Nimbus.Kernel.Diagnostics;

namespace Nimbus.Kernel.Selftest
{
    // The in-kernel test suite (`selftest [FILTER]`): one PASS/FAIL line per test; the exit status
    // is the number of failures. Tests call Check(); the first failed check's message is reported.
    internal static unsafe class SelftestRunner
    {
        private struct TestCase
        {
            public string Name;
            public delegate*<void> Body;
        }

        private static TestCase[]? s_tests;
        private static int s_count;
        private static bool s_failed;
        private static string? s_skipReason;
        private static int s_checks;

        public static void Add(string name, delegate*<void> body)
        {
            s_tests ??= new TestCase[64];
            if (s_count == s_tests.Length) Panic.Fail("too many selftests");
            s_tests[s_count++] = new TestCase { Name = name, Body = body };
        }

        public static void Check(bool condition, ref KernelText message)
        {
            s_checks++;
            if (condition || s_failed) return;
            s_failed = true;
            message.AppendByte((byte)'\n');
            KernelConsole.Write("    ");
            KernelConsole.Write(message.Bytes);
        }

        public static void Check(bool condition, string message)
        {
            s_checks++;
            if (condition || s_failed) return;
            s_failed = true;
            Log.Line($"    {message}");
        }

        // The test does not apply to this machine (e.g. needs two CPUs): reported as SKIP, not PASS.
        public static void Skip(string reason) => s_skipReason = reason;

        public static int Run(ReadOnlySpan<byte> filter)
        {
            KernelTests.RegisterAll();
            int passed = 0, failed = 0, skipped = 0;
            for (int i = 0; i < s_count; i++)
            {
                TestCase t = s_tests![i];
                if (!CommandLine.Contains(t.Name, filter)) continue;
                s_failed = false;
                s_checks = 0;
                s_skipReason = null;
                ulong start = Time.Clock.NowNs();
                t.Body();
                ulong us = (Time.Clock.NowNs() - start) / 1000;
                if (s_skipReason != null && s_checks == 0)
                {
                    skipped++;
                    Log.Line($"SKIP {t.Name} ({s_skipReason})");
                    continue;
                }
                if (s_checks == 0) Check(false, "test made no checks");
                if (s_failed) failed++; else passed++;
                Log.Line($"{(s_failed ? "FAIL" : "PASS")} {t.Name} ({us:f3} ms, {s_checks} checks)");
            }
            if (passed + failed + skipped == 0) Log.Line($"selftest: no test matches '{filter}'");
            if (skipped > 0) Log.Line($"selftest: {passed} passed, {failed} failed, {skipped} skipped");
            else Log.Line($"selftest: {passed} passed, {failed} failed");
            return failed;
        }
    }
}
