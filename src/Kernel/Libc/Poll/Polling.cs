using System.Runtime;
using Nimbus.Kernel.Fs;
using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Libc.Poll
{
    // <poll.h> and <sys/select.h>: poll, ppoll, select and pselect wait on the file system's readiness
    // (Fs/Poll.cs) until a descriptor is ready or the timeout passes.
    internal static unsafe class Polling
    {
    internal struct PollFd { public int Fd; public short Events, Revents; }

        private struct PollState { public PollFd* Fds; public ulong Count; public int Ready; }

        private static bool PollCheck(void* state)
        {
            var s = (PollState*)state;
            s->Ready = 0;
            for (ulong i = 0; i < s->Count; i++)
            {
                PollFd* p = s->Fds + i;
                p->Revents = p->Fd < 0 ? (short)0 : (short)Fs.Poll.Events(p->Fd, (ushort)p->Events);
                if (p->Revents != 0) s->Ready++;
            }
            return s->Ready > 0;
        }

        [RuntimeExport("abi_poll")]
        internal static int PollExport(PollFd* fds, ulong count, int timeoutMs) =>
            DoPoll(fds, count, timeoutMs < 0 ? -1 : timeoutMs * 1_000_000L);

        [RuntimeExport("abi_ppoll")]
        internal static int Ppoll(PollFd* fds, ulong count, long* timeout, void* sigmask) =>
            DoPoll(fds, count, timeout == null ? -1 : timeout[0] * 1_000_000_000L + timeout[1]);

        private static int DoPoll(PollFd* fds, ulong count, long timeoutNs)
        {
            if (count > Vfs.MaxFiles) return LibcErrno.Fail(-Errno.EINVAL);
            var s = new PollState { Fds = fds, Count = count };
            Fs.Poll.Wait(&PollCheck, &s, timeoutNs);
            return s.Ready;
        }

        private struct SelectState { public int Count; public ulong* Read, Write, Except, InRead, InWrite, InExcept; public int Ready; }

        private static bool IsSet(ulong* set, int fd) => set != null && (set[fd >> 6] & (1UL << (fd & 63))) != 0;

        private static bool SelectCheck(void* state)
        {
            var s = (SelectState*)state;
            s->Ready = 0;
            for (int fd = 0; fd < s->Count; fd++)
            {
                bool r = IsSet(s->InRead, fd), w = IsSet(s->InWrite, fd), x = IsSet(s->InExcept, fd);
                if (!r && !w && !x) continue;
                int e = Fs.Poll.Events(fd, Fs.Poll.In | Fs.Poll.Out | Fs.Poll.Pri);
                Mark(s->Read, fd, r && (e & (Fs.Poll.In | Fs.Poll.Hup | Fs.Poll.Err)) != 0, ref s->Ready);
                Mark(s->Write, fd, w && (e & (Fs.Poll.Out | Fs.Poll.Err)) != 0, ref s->Ready);
                Mark(s->Except, fd, x && (e & Fs.Poll.Pri) != 0, ref s->Ready);
            }
            return s->Ready > 0;
        }

        private static void Mark(ulong* set, int fd, bool on, ref int ready)
        {
            if (set == null) return;
            if (on) { set[fd >> 6] |= 1UL << (fd & 63); ready++; }
            else set[fd >> 6] &= ~(1UL << (fd & 63));
        }

        [RuntimeExport("abi_select")]
        private static int Select(int count, ulong* read, ulong* write, ulong* except, long* timeout)
        {
            long ns = timeout == null ? -1 : timeout[0] * 1_000_000_000L + timeout[1] * 1000;
            ulong start = Nimbus.Kernel.Time.Clock.NowNs();
            int r = DoSelect(count, read, write, except, ns);
            if (timeout != null && r >= 0)
            {
                // Linux writes back the time left.
                long left = ns - (long)(Nimbus.Kernel.Time.Clock.NowNs() - start);
                if (left < 0) left = 0;
                timeout[0] = left / 1_000_000_000;
                timeout[1] = left % 1_000_000_000 / 1000;
            }
            return r;
        }

        [RuntimeExport("abi_pselect")]
        private static int Pselect(int count, ulong* read, ulong* write, ulong* except, long* timeout, void* sigmask) =>
            DoSelect(count, read, write, except, timeout == null ? -1 : timeout[0] * 1_000_000_000L + timeout[1]);

        private static int DoSelect(int count, ulong* read, ulong* write, ulong* except, long timeoutNs)
        {
            if (count < 0 || count > Vfs.MaxFiles || timeoutNs < -1) return LibcErrno.Fail(-Errno.EINVAL);
            int words = (count + 63) / 64;
            ulong* copies = stackalloc ulong[3 * 16];
            for (int i = 0; i < 3 * 16; i++) copies[i] = 0;
            var s = new SelectState { Count = count, Read = read, Write = write, Except = except };
            s.InRead = Copy(read, copies, words);
            s.InWrite = Copy(write, copies + 16, words);
            s.InExcept = Copy(except, copies + 32, words);
            for (int fd = 0; fd < count; fd++)
                if ((IsSet(s.InRead, fd) || IsSet(s.InWrite, fd) || IsSet(s.InExcept, fd)) && Vfs.Get(fd) == null) return LibcErrno.Fail(-Errno.EBADF);
            Fs.Poll.Wait(&SelectCheck, &s, timeoutNs);
            return s.Ready;
        }

        private static ulong* Copy(ulong* set, ulong* into, int words)
        {
            if (set == null) return null;
            for (int i = 0; i < words; i++) into[i] = set[i];
            return into;
        }
    }
}
