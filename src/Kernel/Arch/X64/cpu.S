# Tiny CPU primitives the C# kernel imports with [RuntimeImport]. SysV ABI.
.intel_syntax noprefix
.code64
.section .text

.macro FUNC name
    .global \name
    .type \name, @function
\name:
.endm

FUNC cpu_inb
    mov  edx, edi
    in   al, dx
    movzx eax, al
    ret
FUNC cpu_inw
    mov  edx, edi
    in   ax, dx
    movzx eax, ax
    ret
FUNC cpu_inl
    mov  edx, edi
    in   eax, dx
    ret
FUNC cpu_outb
    mov  edx, edi
    mov  eax, esi
    out  dx, al
    ret
FUNC cpu_outw
    mov  edx, edi
    mov  eax, esi
    out  dx, ax
    ret
FUNC cpu_outl
    mov  edx, edi
    mov  eax, esi
    out  dx, eax
    ret
FUNC cpu_rdmsr
    mov  ecx, edi
    rdmsr
    shl  rdx, 32
    or   rax, rdx
    ret
FUNC cpu_wrmsr
    mov  ecx, edi
    mov  eax, esi
    mov  rdx, rsi
    shr  rdx, 32
    wrmsr
    ret
FUNC cpu_rdtsc
    rdtsc
    shl  rdx, 32
    or   rax, rdx
    ret
# void cpu_cpuid(uint leaf, uint subleaf, uint* out4)
FUNC cpu_cpuid
    push rbx
    mov  r8, rdx
    mov  eax, edi
    mov  ecx, esi
    cpuid
    mov  [r8], eax
    mov  [r8 + 4], ebx
    mov  [r8 + 8], ecx
    mov  [r8 + 12], edx
    pop  rbx
    ret
FUNC cpu_read_cr0
    mov  rax, cr0
    ret
FUNC cpu_read_cr2
    mov  rax, cr2
    ret
FUNC cpu_read_cr3
    mov  rax, cr3
    ret
FUNC cpu_read_cr4
    mov  rax, cr4
    ret
FUNC cpu_write_cr3
    mov  cr3, rdi
    ret
FUNC cpu_write_cr4
    mov  cr4, rdi
    ret
FUNC cpu_invlpg
    invlpg [rdi]
    ret
FUNC cpu_cli
    cli
    ret
FUNC cpu_sti
    sti
    ret
FUNC cpu_hlt
    hlt
    ret
# Enable interrupts and halt in one step, so a wake-up interrupt cannot slip in between.
FUNC cpu_sti_hlt
    sti
    hlt
    ret
FUNC cpu_pause
    pause
    ret
FUNC cpu_read_rflags
    pushfq
    pop  rax
    ret
FUNC cpu_write_rflags
    push rdi
    popfq
    ret
FUNC cpu_read_rbp
    mov  rax, rbp
    ret
FUNC cpu_read_rsp
    lea  rax, [rsp + 8]
    ret
FUNC cpu_halt_forever
    cli
1:  hlt
    jmp  1b
# void cpu_load_gdt(void* gdtr, ushort tss_selector): loads the GDT, reloads segments, loads TR.
FUNC cpu_load_gdt
    lgdt [rdi]
    mov  ax, 0x10
    mov  ds, ax
    mov  es, ax
    mov  ss, ax
    ltr  si                       # FS/GS selectors untouched: their bases are the TLS and per-CPU pointers
    lea  rax, [rip + 1f]
    push 0x08
    push rax
    retfq
1:  ret
FUNC cpu_load_idt
    lidt [rdi]
    ret
FUNC cpu_ud2
    ud2
    ret

# SSE on (the compiler's code uses it everywhere): CR0.EM=0, CR0.MP=1; CR4.OSFXSR|OSXMMEXCPT.
FUNC cpu_enable_sse
    mov  rax, cr0
    and  rax, ~(1 << 2)
    or   rax, (1 << 1)
    mov  cr0, rax
    mov  rax, cr4
    or   rax, (1 << 9) | (1 << 10)
    mov  cr4, rax
    fninit
    ret

# Runtime helpers the ILCompiler's code calls with special conventions.
# RhpByRefAssignRef: copy one reference [rsi] -> [rdi], advancing both (no GC: no barrier).
FUNC RhpByRefAssignRef
    mov  rcx, [rsi]
    mov  [rdi], rcx
    add  rdi, 8
    add  rsi, 8
    ret
# Interface dispatch through a cell (address in r11). The kernel keeps interfaces to at most two
# implementations, which the compiler devirtualises; reaching here is a kernel bug.
FUNC RhpInitialDynamicInterfaceDispatch
    lea  rdi, [rip + dispatch_message]
    jmp  PanicFromAsm

# void nimbus_kernel_layout(KernelLayout* out): section boundaries and asm entry points.
FUNC nimbus_kernel_layout
    movabs rax, offset __kernel_start
    mov  [rdi + 0], rax
    movabs rax, offset __text_end
    mov  [rdi + 8], rax
    movabs rax, offset __rodata_end
    mov  [rdi + 16], rax
    movabs rax, offset __kernel_end
    mov  [rdi + 24], rax
    movabs rax, offset boot_stack_guard
    mov  [rdi + 32], rax
    movabs rax, offset __ksyms_start
    mov  [rdi + 40], rax
    movabs rax, offset __ksyms_end
    mov  [rdi + 48], rax
    movabs rax, offset __modules_start
    mov  [rdi + 56], rax
    movabs rax, offset __modules_end
    mov  [rdi + 64], rax
    movabs rax, offset __boot_start
    mov  [rdi + 72], rax
    movabs rax, offset __boot_end
    mov  [rdi + 80], rax
    movabs rax, offset isr_stub_table
    mov  [rdi + 88], rax
    movabs rax, offset __data_start
    mov  [rdi + 96], rax
    movabs rax, offset ap_trampoline_start
    mov  [rdi + 104], rax
    movabs rax, offset ap_trampoline_end
    mov  [rdi + 112], rax
    movabs rax, offset ap_trampoline_params
    mov  [rdi + 120], rax
    movabs rax, offset ap_entry
    mov  [rdi + 128], rax
    movabs rax, offset __kexports_start
    mov  [rdi + 136], rax
    movabs rax, offset __kexports_end
    mov  [rdi + 144], rax
    ret

.section .rodata
dispatch_message: .asciz "interface dispatch through RhpInitialDynamicInterfaceDispatch is not supported in the kernel"

.section .data
.balign 8
.global __security_cookie
__security_cookie: .quad 0x2f6b3e1d9a5c4b87

.section .text
# ulong cpu_red_zone_check(void): fills the 128-byte red zone below rsp with a pattern, takes a
# breakpoint trap, and returns how many of its 16 quadwords the trap changed (0 when interrupt
# entry respects the red zone, as application code compiled by gcc needs).
.global cpu_red_zone_check
cpu_red_zone_check:
    mov  rax, 0x5a5a5a5a5a5a5a5a
    lea  rdx, [rsp - 128]
    mov  ecx, 16
1:  mov  [rdx], rax
    add  rdx, 8
    dec  ecx
    jnz  1b
    int3
    lea  rdx, [rsp - 128]
    mov  ecx, 16
    xor  r8d, r8d
2:  cmp  [rdx], rax
    je   3f
    inc  r8
3:  add  rdx, 8
    dec  ecx
    jnz  2b
    mov  rax, r8
    ret

.global cpu_int3
cpu_int3:
    int3
    ret

.global cpu_local
cpu_local:
    mov  rax, gs:[0]
    ret

# The running thread (CpuData.Current) in one instruction: a thread that is preempted and
# migrated can never read another CPU's value. The offset is checked at boot (PerCpu.Initialize).
.set CPUDATA_CURRENT, 40
.global cpu_current_thread
cpu_current_thread:
    mov  rax, gs:[CPUDATA_CURRENT]
    ret

# void app_enter(ulong entry, ulong stack): starts application code the way Linux starts a
# process: rsp at argc, rdx = 0 (no rtld_fini), no frame to return to.
.global app_enter
app_enter:
    mov  rsp, rsi
    xor  ebp, ebp
    xor  edx, edx
    jmp  rdi

# ulong app_call(fn, arg, stack, ulong* save): calls fn(arg) on an application stack and returns
# its result on the kernel stack again. `save` keeps the kernel stack pointer so app_unwind (for
# pthread_exit, called deep in application code) can return from this call early.
.global app_call
app_call:
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    mov  [rcx], rsp
    mov  rsp, rdx
    push rcx
    sub  rsp, 8
    mov  rax, rdi
    mov  rdi, rsi
    xor  ebp, ebp
    call rax
    add  rsp, 8
    pop  rcx
    mov  rsp, [rcx]
app_call_return:
    pop  r15
    pop  r14
    pop  r13
    pop  r12
    pop  rbx
    pop  rbp
    ret

# void app_unwind(ulong* save, ulong result): makes the app_call that filled `save` return `result`.
.global app_unwind
app_unwind:
    mov  rsp, [rdi]
    mov  rax, rsi
    jmp  app_call_return
