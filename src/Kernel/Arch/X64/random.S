# RDSEED and RDRAND: the CPU's entropy source and its generator (Arch/X64/HardwareRandom.cs).
.intel_syntax noprefix
.code64
.section .text

# int NAME(ulong* out): 1 with a value in *out, 0 when the CPU had none ready (CF clear).
.macro RANDOM name, instruction
.global \name
\name:
    \instruction rax
    jnc 1f
    mov [rdi], rax
    mov eax, 1
    ret
1:  xor eax, eax
    ret
.endm

RANDOM cpu_rdseed64, rdseed
RANDOM cpu_rdrand64, rdrand
