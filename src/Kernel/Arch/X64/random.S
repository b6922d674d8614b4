# RDSEED and RDRAND: the CPU's entropy source and its generator (Arch/X64/HardwareRandom.cs).
.intel_syntax noprefix
.code64
.section .text

# int cpu_rdseed64(ulong* out): 1 with a value, 0 when the CPU had none ready (CF clear).
.global cpu_rdseed64
cpu_rdseed64:
    rdseed rax
    jnc 1f
    mov [rdi], rax
    mov eax, 1
    ret
1:  xor eax, eax
    ret

.global cpu_rdrand64
cpu_rdrand64:
    rdrand rax
    jnc 1f
    mov [rdi], rax
    mov eax, 1
    ret
1:  xor eax, eax
    ret
