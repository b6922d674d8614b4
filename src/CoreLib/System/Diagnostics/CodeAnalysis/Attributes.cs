namespace System.Diagnostics.CodeAnalysis
{
    public sealed class NotNullWhenAttribute : Attribute { public NotNullWhenAttribute(bool returnValue) { } }
    public sealed class DoesNotReturnAttribute : Attribute { }
    public sealed class MaybeNullWhenAttribute : Attribute { public MaybeNullWhenAttribute(bool returnValue) { } }
    // The ILCompiler replaces the property with a constant when given --feature:NAME=true|false.
    public sealed class FeatureSwitchDefinitionAttribute : Attribute { public FeatureSwitchDefinitionAttribute(string switchName) { } }
}
