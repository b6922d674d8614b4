# PVH entry: QEMU (or Firecracker) jumps here in 32-bit protected mode, paging off,
# ebx = physical address of hvm_start_info. We build throw-away page tables that map
# the first GiB three ways (identity, direct map, kernel higher half), enter long mode,
# enable SSE and call the C# kernel. The kernel then builds its real page tables.
.intel_syntax noprefix

.set KERNEL_VMA,     0xffffffff80000000
.set BOOT_STACK_SIZE, 65536

.section .note.Xen, "a", @note
    .balign 4
    .long 4                     # name size
    .long 4                     # desc size
    .long 18                    # XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .balign 4
    .long pvh_start
    .balign 4

.section .boot.text, "ax", @progbits
.code32
.global pvh_start
pvh_start:
    rdtsc                               # the boot clock starts at our first instruction
    mov  [boot_tsc], eax
    mov  [boot_tsc + 4], edx
    cli
    cld
    mov  [boot_start_info], ebx

    # PD: 512 x 2 MiB pages covering 0..1 GiB (present, writable, large).
    mov  edi, offset boot_pd
    mov  eax, 0x83
    mov  ecx, 512
1:  mov  [edi], eax
    mov  dword ptr [edi + 4], 0
    add  eax, 0x200000
    add  edi, 8
    loop 1b

    mov  eax, offset boot_pd
    or   eax, 3
    mov  [boot_pdpt_low], eax            # PDPT_low[0]    -> PD
    mov  [boot_pdpt_high + 510*8], eax   # PDPT_high[510] -> PD (0xffffffff80000000)
    mov  eax, offset boot_pdpt_low
    or   eax, 3
    mov  [boot_pml4], eax                # identity (only until we jump high)
    mov  [boot_pml4 + 256*8], eax        # direct map at 0xffff800000000000
    mov  eax, offset boot_pdpt_high
    or   eax, 3
    mov  [boot_pml4 + 511*8], eax        # kernel image

    mov  eax, cr4
    or   eax, (1 << 5)                   # PAE
    mov  cr4, eax
    mov  eax, offset boot_pml4
    mov  cr3, eax
    mov  ecx, 0xC0000080                 # EFER
    rdmsr
    or   eax, (1 << 8) | (1 << 11)       # LME, NXE
    wrmsr
    mov  eax, cr0
    or   eax, (1 << 31) | (1 << 16) | 1  # PG, WP, PE
    mov  cr0, eax

    lgdt [boot_gdt_ptr]
    ljmp 0x08, offset long_mode_entry

.code64
long_mode_entry:
    mov  ax, 0x10
    mov  ds, ax
    mov  es, ax
    mov  ss, ax
    xor  eax, eax
    mov  fs, ax
    mov  gs, ax
    movabs rax, offset higher_half_entry
    jmp  rax

.section .boot.data, "aw", @progbits
    .balign 16
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff            # 0x08: 64-bit code
    .quad 0x00cf92000000ffff            # 0x10: data
boot_gdt_ptr:
    .word . - boot_gdt - 1
    .long boot_gdt
    .balign 8
.global boot_tsc
boot_tsc:        .quad 0
boot_start_info: .quad 0

.section .boot.bss, "aw", @nobits
    .balign 4096
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4096

.section .text
.code64
higher_half_entry:
    movabs rsp, offset boot_stack_top
    xor  ebp, ebp
    call cpu_enable_sse                  # before any managed code
    movabs rax, offset boot_start_info
    mov  edi, [rax]                      # arg0: hvm_start_info (physical)
    movabs rax, offset boot_tsc
    mov  rsi, [rax]                      # arg1: TSC at the first instruction
    call KernelMain
2:  cli
    hlt
    jmp  2b

.section .bss
    .balign 4096
.global boot_stack_guard
boot_stack_guard: .skip 4096             # unmapped by the kernel: catches overflow
boot_stack:       .skip BOOT_STACK_SIZE
.global boot_stack_top
boot_stack_top:
