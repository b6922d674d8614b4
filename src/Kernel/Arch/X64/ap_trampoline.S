# Application processor start-up. The boot CPU copies the bytes between ap_trampoline_start and
# ap_trampoline_end to physical TRAMPOLINE (below 1 MiB), fills in the parameter block at its end,
# identity-maps that page and sends INIT-SIPI-SIPI. An AP starts here in real mode at
# TRAMPOLINE:0, goes through protected mode into long mode on the kernel's page tables, and jumps
# to ap_entry in the higher half with rdi = its CpuData.
.intel_syntax noprefix
.include "asm-offsets.inc"
.set TRAMPOLINE, 0x8000

.section .rodata
.balign 16
.global ap_trampoline_start
ap_trampoline_start:
.code16
    cli
    cld
    xor  ax, ax
    mov  ds, ax
    lgdt [(tramp_gdt_ptr - ap_trampoline_start + TRAMPOLINE)]
    mov  eax, cr0
    or   eax, 1
    mov  cr0, eax
    .byte 0x66, 0xEA                     # ljmpl 0x08:pm32
    .long (tramp_pm32 - ap_trampoline_start + TRAMPOLINE)
    .word 0x08
.code32
tramp_pm32:
    mov  ax, 0x10
    mov  ds, ax
    mov  es, ax
    mov  ss, ax
    mov  eax, cr4
    or   eax, (1 << 5) | (1 << 7)        # PAE, PGE
    mov  cr4, eax
    mov  eax, [(tramp_cr3 - ap_trampoline_start + TRAMPOLINE)]
    mov  cr3, eax
    mov  ecx, 0xC0000080
    rdmsr
    or   eax, (1 << 8) | (1 << 11)       # LME, NXE
    wrmsr
    mov  eax, cr0
    or   eax, (1 << 31) | (1 << 16)      # PG, WP
    mov  cr0, eax
    .byte 0xEA                           # ljmp 0x18:lm64
    .long (tramp_lm64 - ap_trampoline_start + TRAMPOLINE)
    .word 0x18
.code64
tramp_lm64:
    mov  ax, 0x10
    mov  ds, ax
    mov  es, ax
    mov  ss, ax
    mov  rsp, [(tramp_stack - ap_trampoline_start + TRAMPOLINE)]
    mov  rdi, [(tramp_cpu - ap_trampoline_start + TRAMPOLINE)]
    mov  rax, [(tramp_entry - ap_trampoline_start + TRAMPOLINE)]
    jmp  rax

    .balign 8
tramp_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff             # 0x08: 32-bit code
    .quad 0x00cf92000000ffff             # 0x10: data
    .quad 0x00af9a000000ffff             # 0x18: 64-bit code
tramp_gdt_ptr:
    .word 4 * 8 - 1
    .long (tramp_gdt - ap_trampoline_start + TRAMPOLINE)
    .balign 8
.global ap_trampoline_params
ap_trampoline_params:                   # ApStartParameters (Smp.cs): AP_PARAMS_* are generated from it
.org ap_trampoline_params + AP_PARAMS_CR3;   tramp_cr3:   .quad 0
.org ap_trampoline_params + AP_PARAMS_STACK; tramp_stack: .quad 0
.org ap_trampoline_params + AP_PARAMS_CPU;   tramp_cpu:   .quad 0
.org ap_trampoline_params + AP_PARAMS_ENTRY; tramp_entry: .quad 0
.org ap_trampoline_params + AP_PARAMS_SIZE
.global ap_trampoline_end
ap_trampoline_end:

.section .text
.code64
# 64-bit, higher half, on the AP's own stack: SSE on, then C#.
.global ap_entry
ap_entry:
    call cpu_enable_sse
    xor  ebp, ebp
    call ApMain
1:  cli
    hlt
    jmp  1b
