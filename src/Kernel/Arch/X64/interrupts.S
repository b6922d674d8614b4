# Interrupt entry stubs. Each vector pushes (error code, vector) so every frame has one
# shape, then the common path saves all general registers and the SSE state and calls
# the C# dispatcher with a pointer to the frame (Nimbus.Kernel.Arch.X64.InterruptFrame).
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
    jmp  interrupt_common
.endm

.section .text
interrupt_common:
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
