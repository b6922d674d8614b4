// <libintl.h>: gettext as glibc behaves with no message catalogue installed (the image has none,
// and Nimbus has only the C and C.UTF-8 locales, which glibc never translates): every lookup
// returns the message id (or, for the plural forms, the English rule n == 1 ? singular : plural),
// while textdomain and bindtextdomain keep and report their settings as glibc does.
using System.Runtime;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Libc.Stdlib;
using Nimbus.Kernel.Libc.String;

namespace Nimbus.Kernel.Libc.Libintl
{
    internal static unsafe class Messages
    {
        private const int MaxDomains = 32;
        private struct Bindings { public fixed ulong Slots[MaxDomains * 3]; public int Used; }
        private static Bindings s_bindings;
        private static byte* s_domain;            // textdomain's, null: "messages"
        private static Sync.Mutex s_lock;

        [RuntimeExport("abi_gettext")] private static byte* Gettext(byte* id) => id;
        [RuntimeExport("abi_dgettext")] private static byte* Dgettext(byte* domain, byte* id) => id;
        [RuntimeExport("abi_dcgettext")] private static byte* Dcgettext(byte* domain, byte* id, int category) => id;
        [RuntimeExport("abi_ngettext")] private static byte* Ngettext(byte* id, byte* plural, ulong n) => n == 1 ? id : plural;
        [RuntimeExport("abi_dngettext")] private static byte* Dngettext(byte* domain, byte* id, byte* plural, ulong n) => n == 1 ? id : plural;
        [RuntimeExport("abi_dcngettext")] private static byte* Dcngettext(byte* domain, byte* id, byte* plural, ulong n, int category) => n == 1 ? id : plural;

        private static byte* Copy(byte* s)
        {
            ulong n = Strings.Length(s) + 1;
            var d = (byte*)Malloc.Allocate(n);
            if (d != null) Memory.Mem.Move(d, s, (nuint)n);
            return d;
        }

        // textdomain(NULL) reports the domain, "" resets it to "messages", anything else sets it.
        [RuntimeExport("abi_textdomain")]
        private static byte* Textdomain(byte* domain)
        {
            fixed (Sync.Mutex* m = &s_lock)
            {
                m->Lock();
                if (domain != null)
                {
                    byte* copy = *domain == 0 ? null : Copy(domain);
                    if (*domain != 0 && copy == null) { m->Unlock(); LibcErrno.Set(Errno.ENOMEM); return null; }
                    s_domain = copy;    // the old copy is kept: callers may still hold it
                }
                byte* result = s_domain != null ? s_domain : Strings.Literal("messages\0"u8);
                m->Unlock();
                return result;
            }
        }

        // The binding of domain (created when create is set), or null.
        private static ulong* Find(byte* domain, bool create)
        {
            fixed (Bindings* b = &s_bindings)
            {
                for (int i = 0; i < b->Used; i++)
                    if (Strings.CompareStrings((byte*)b->Slots[i * 3], domain, ulong.MaxValue) == 0) return b->Slots + i * 3;
                if (!create || b->Used == MaxDomains) return null;
                byte* copy = Copy(domain);
                if (copy == null) return null;
                ulong* slot = b->Slots + b->Used++ * 3;
                slot[0] = (ulong)copy;
                slot[1] = slot[2] = 0;
                return slot;
            }
        }

        // field 1: the directory (default /usr/share/locale), 2: the codeset (default none).
        private static byte* Bind(byte* domain, byte* value, int field)
        {
            if (domain == null || *domain == 0) return null;
            fixed (Sync.Mutex* m = &s_lock)
            {
                m->Lock();
                ulong* slot = Find(domain, value != null);
                if (slot != null && value != null)
                {
                    byte* copy = Copy(value);
                    if (copy != null) slot[field] = (ulong)copy;
                }
                byte* result = slot != null ? (byte*)slot[field] : null;
                m->Unlock();
                if (value != null && result == null) LibcErrno.Set(Errno.ENOMEM);
                if (field == 1 && result == null && value == null) result = Strings.Literal("/usr/share/locale\0"u8);
                return result;
            }
        }

        [RuntimeExport("abi_bindtextdomain")]
        private static byte* Bindtextdomain(byte* domain, byte* directory) => Bind(domain, directory, 1);

        [RuntimeExport("abi_bind_textdomain_codeset")]
        private static byte* BindTextdomainCodeset(byte* domain, byte* codeset) => Bind(domain, codeset, 2);
    }
}
