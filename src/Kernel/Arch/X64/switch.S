# Thread context switch. Saves only what the SysV ABI says a callee must preserve: rbx, rbp,
# r12-r15, the SSE control/status word (MXCSR) and the x87 control word. Everything else is
# caller-saved, so a voluntary switch (a call) need not save it; a preemption comes through an
# interrupt stub, which already saved all registers and the full SSE state on the thread's stack.
.intel_syntax noprefix
.code64
.section .text

# void context_switch(ulong* saveRsp, ulong newRsp)
.global context_switch
.type context_switch, @function
context_switch:
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    sub  rsp, 8
    stmxcsr [rsp]
    fnstcw  [rsp + 4]
    mov  [rdi], rsp
    mov  rsp, rsi
    ldmxcsr [rsp]
    fldcw   [rsp + 4]
    add  rsp, 8
    pop  r15
    pop  r14
    pop  r13
    pop  r12
    pop  rbx
    pop  rbp
    ret

# First code of a new thread: context_switch "returns" here with r12 = the thread, r13 = entry.
.global thread_trampoline
.type thread_trampoline, @function
thread_trampoline:
    mov  rdi, r12
    xor  ebp, ebp
    call ThreadStart
    ud2

.global thread_trampoline_address
thread_trampoline_address:
    lea  rax, [rip + thread_trampoline]
    ret
