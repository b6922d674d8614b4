namespace System.Diagnostics.CodeAnalysis
{
    public sealed class NotNullWhenAttribute : Attribute { public NotNullWhenAttribute(bool returnValue) { } }
    public sealed class DoesNotReturnAttribute : Attribute { }
    public sealed class MaybeNullWhenAttribute : Attribute { public MaybeNullWhenAttribute(bool returnValue) { } }
}
