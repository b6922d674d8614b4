# Interrupt entry stubs. Each vector pushes (error code, vector) so every frame has one
# shape, then the common path saves all general registers and the SSE state and calls
# the C# dispatcher with a pointer to the frame (Nimbus.Kernel.Arch.X64.InterruptFrame).
#
# Applications run in ring 0 and gcc code keeps live data in the 128-byte red zone below
# rsp, which a plain same-privilege interrupt would overwrite. So every vector but the
# double fault and NMI arrives on a per-CPU entry stack (IST3), and interrupt_common
# moves the frame to the current thread's kernel stack: 128 bytes below rsp when it was
# running there, else (application code, on its own stack) to the kernel stack's entry
# top. Everything after that (preemption included) runs on the thread's kernel stack.
# A fault while moving the frame means the thread's stack is full: the nested entry sees
# its rip inside the copy and reports a stack overflow with the original frame, which
# the first entry saved lower on the entry stack.
.intel_syntax noprefix
.code64

.macro STUB vec
    .balign 16
isr_stub_\vec:
    .if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
    .else
    push 0
    .endif
    push \vec
    .if (\vec == 2) || (\vec == 8)
    jmp  interrupt_on_own_stack
    .else
    jmp  interrupt_common
    .endif
.endm

.set FRAME_QWORDS, 9               # rcx, rax, vector, error code, rip, cs, rflags, rsp, ss
.set RED_ZONE, 128
.set SAVED_COPY, 512               # where the first entry keeps a copy of the frame, below it
.set ENTRY_OVERFLOW_FLAG, 0x100    # or'ed into the vector: "the frame did not fit"
.set CPUDATA_ENTRY_STACK_TOP, 8    # CpuData (PerCpu.cs), checked at boot
.set CPUDATA_ENTRY_STACK_LOW, 16

.section .data
interrupt_entry_per_cpu: .byte 0

.section .text
.global interrupt_entry_enable_per_cpu
interrupt_entry_enable_per_cpu:
    mov  byte ptr [rip + interrupt_entry_per_cpu], 1
    ret

.section .text
interrupt_common:
    push rax
    push rcx
    # A fault inside the copy below is nested: the thread's stack has no room.
    lea  rax, [rip + entry_copy_begin]
    cmp  [rsp + 32], rax
    jb   1f
    lea  rax, [rip + entry_copy_end]
    cmp  [rsp + 32], rax
    jb   entry_overflow
1:
    .set i, 0
    .rept FRAME_QWORDS
    mov  rax, [rsp + 8 * i]
    mov  [rsp - SAVED_COPY + 8 * i], rax
    .set i, i + 1
    .endr
    # Where the frame goes: below the red zone when the interrupted code was on the current
    # thread's kernel stack (or before per-CPU data exists), else (an application's stack) at
    # the kernel stack's entry top, as a CPU does on a privilege change.
    mov  rax, [rsp + 56]           # the interrupted rsp
    cmp  byte ptr [rip + interrupt_entry_per_cpu], 0
    je   2f
    mov  rcx, gs:[CPUDATA_ENTRY_STACK_TOP]
    test rcx, rcx
    jz   2f
    cmp  rax, gs:[CPUDATA_ENTRY_STACK_LOW]
    jbe  3f
    cmp  rax, rcx
    jbe  2f
3:  mov  rax, rcx
    jmp  4f
2:  sub  rax, RED_ZONE
4:  and  rax, -16
    sub  rax, 8 * FRAME_QWORDS
entry_copy_begin:
    .set i, FRAME_QWORDS - 1
    .rept FRAME_QWORDS
    mov  rcx, [rsp + 8 * i]
    mov  [rax + 8 * i], rcx
    .set i, i - 1
    .endr
entry_copy_end:
    mov  rsp, rax
    pop  rcx
    pop  rax
    jmp  interrupt_on_own_stack

entry_overflow:
    # Back to the first entry's saved frame; mark it so the dispatcher reports an overflow.
    lea  rsp, [rsp - SAVED_COPY]
    pop  rcx
    pop  rax
    or   qword ptr [rsp], ENTRY_OVERFLOW_FLAG
    jmp  interrupt_on_own_stack

interrupt_on_own_stack:
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    mov  rdi, rsp                 # arg0: frame
    mov  rbx, rsp
    sub  rsp, 512
    and  rsp, -64
    fxsave [rsp]
    cld
    call InterruptDispatch
    fxrstor [rsp]
    mov  rsp, rbx
    pop  r15
    pop  r14
    pop  r13
    pop  r12
    pop  r11
    pop  r10
    pop  r9
    pop  r8
    pop  rbp
    pop  rdi
    pop  rsi
    pop  rdx
    pop  rcx
    pop  rbx
    pop  rax
    add  rsp, 16                  # vector, error code
    iretq

.altmacro
.set i, 0
.rept 256
    STUB %i
    .set i, i + 1
.endr

.section .rodata
.balign 8
.global isr_stub_table
isr_stub_table:
.macro STUBADDR vec
    .quad isr_stub_\vec
.endm
.set i, 0
.rept 256
    STUBADDR %i
    .set i, i + 1
.endr
