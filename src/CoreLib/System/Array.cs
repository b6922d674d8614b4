using System.Runtime.CompilerServices;

namespace System
{
    public abstract unsafe class Array
    {
#pragma warning disable 169, 649
        private int _numComponents;
#pragma warning restore 169, 649
        public int Length => _numComponents;
    }

    // The ILCompiler uses Array<T> as the base of T[] (its generic interface implementations live here).
    public class Array<T> : Array { }
}
