# Runs a signal handler on another stack (the thread's sigaltstack) and comes back
# (Libc/Signal/Signals.cs, for signals delivered inside a libc call such as raise).
.intel_syntax noprefix
.code64
.section .text

# void libc_call_on_stack(void* handler, int sig, void* info, void* uc, ulong stackTop)
.global libc_call_on_stack
libc_call_on_stack:
    push rbp
    mov  rbp, rsp
    mov  rax, rdi
    mov  rsp, r8
    and  rsp, -16
    mov  edi, esi
    mov  rsi, rdx
    mov  rdx, rcx
    call rax
    mov  rsp, rbp
    pop  rbp
    ret
