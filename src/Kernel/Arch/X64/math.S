# The one floating-point instruction the C# libm (Libc/Math/) imports with [RuntimeImport]:
# SSE2 square root, correctly rounded by IEEE 754 (SSE2 is part of x86-64). SysV ABI.
.intel_syntax noprefix
.code64
.section .text

.global math_sqrt
.type math_sqrt, @function
math_sqrt:
    sqrtsd xmm0, xmm0
    ret
.size math_sqrt, . - math_sqrt
