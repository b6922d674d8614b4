// <syslog.h>: the VM has no syslog daemon, so, as glibc does when /dev/log is missing, a message is
// written to the console only with LOG_CONS ("ident[pid]: message", the pid with LOG_PID; glibc
// adds a time stamp there), and to stderr with LOG_PERROR in glibc's form. Without either it is
// dropped, as on a Linux system without a daemon. setlogmask filters by priority as glibc does.
using System.Runtime;
using Nimbus.Kernel.Libc.Stdio;
using Nimbus.Kernel.Libc.String;

namespace Nimbus.Kernel.Libc.Syslog
{
    internal static unsafe class SystemLog
    {
        private const int LogPid = 0x01, LogCons = 0x02, LogPerror = 0x20;
        private static byte* s_ident;          // null: the program's short name
        private static int s_options;
        private static int s_mask = 0xFF;

        [RuntimeExport("abi_openlog")]
        private static void Openlog(byte* ident, int options, int facility)
        {
            s_ident = ident;
            s_options = options;
        }

        [RuntimeExport("abi_closelog")]
        private static void Closelog()
        {
            s_ident = null;
            s_options = 0;
        }

        // Returns the previous mask; 0 only asks.
        [RuntimeExport("abi_setlogmask")]
        private static int Setlogmask(int mask)
        {
            int old = s_mask;
            if (mask != 0) s_mask = mask;
            return old;
        }

        [RuntimeExport("libc_syslog_va")]
        private static void SyslogVa(int priority, byte* format, VaList* args) => Vsyslog(priority, format, args);

        // The _FORTIFY_SOURCE names; the flag (the fortify level) changes nothing here.
        [RuntimeExport("libc_syslog_chk_va")]
        private static void SyslogChkVa(int priority, int flag, byte* format, VaList* args) => Vsyslog(priority, format, args);

        [RuntimeExport("abi___vsyslog_chk")]
        private static void VsyslogChk(int priority, int flag, byte* format, VaList* args) => Vsyslog(priority, format, args);

        [RuntimeExport("abi_vsyslog")]
        private static void Vsyslog(int priority, byte* format, VaList* args)
        {
            if ((s_mask & (1 << (priority & 7))) == 0) return;
            const int Room = 1024;
            byte* line = stackalloc byte[Room + 2];
            byte* ident = s_ident != null ? s_ident : LibcData.ProgramShortName;
            int n = 0;
            for (byte* p = ident; *p != 0 && n < 200; p++) line[n++] = *p;
            if ((s_options & LogPid) != 0)
            {
                line[n++] = (byte)'[';
                line[n++] = (byte)'1';      // the program is pid 1
                line[n++] = (byte)']';
            }
            line[n++] = (byte)':';
            line[n++] = (byte)' ';
            int m = Format.SPrintf(line + n, (ulong)(Room - n), format, args);
            n = m < 0 ? n : n + m < Room - 1 ? n + m : Room - 1;
            if (n > 0 && line[n - 1] != '\n') line[n++] = (byte)'\n';
            if ((s_options & LogCons) != 0) Console.KernelConsole.Write(new System.ReadOnlySpan<byte>(line, n));
            if ((s_options & LogPerror) != 0) Streams.Write(LibcData.Globals->Stderr, line, n);
        }
    }
}
