namespace System.Runtime;

// The kernel exports its libc functions with [RuntimeExport] (our CoreLib's attribute, which the
// ILCompiler turns into a plain exported symbol); the hosted build of those files only needs the name.
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
internal sealed class RuntimeExportAttribute(string entry) : Attribute
{
    public string Entry { get; } = entry;
}
