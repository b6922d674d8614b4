# <fenv.h>: the floating-point environment, as glibc keeps it on x86-64: the SSE unit's MXCSR and the
# x87 control and status words, both set together (a program computes in both: double in SSE, long
# double on the x87). fenv_t is fnstenv's 28-byte image followed by MXCSR (glibc's layout);
# fexcept_t is a 16-bit word; FE_DFL_ENV is (fenv_t*)-1 and FE_NOMASK_ENV (fenv_t*)-2.
# The flags: FE_INVALID 0x01, FE_DIVBYZERO 0x04, FE_OVERFLOW 0x08, FE_UNDERFLOW 0x10, FE_INEXACT 0x20
# (FE_ALL_EXCEPT 0x3d); the modes FE_TONEAREST 0, FE_DOWNWARD 0x400, FE_UPWARD 0x800,
# FE_TOWARDZERO 0xc00 (x87 control word bits 10-11, MXCSR bits 13-14). The kernel's own C# code runs
# on the caller's thread and so computes in the program's rounding mode, as glibc's libm does.
.intel_syntax noprefix
.code64
.section .text

.set ALL_EXCEPT, 0x3d
.set ROUND_MASK, 0xc00

.macro FUNC name
.global \name
.type \name, @function
\name:
.endm

# int feclearexcept(int excepts)
FUNC abi_feclearexcept
    and  edi, ALL_EXCEPT
    sub  rsp, 40
    fnstenv [rsp]
    not  edi
    and  [rsp + 4], di                  # the x87 status word
    fldenv [rsp]
    stmxcsr [rsp + 32]
    and  [rsp + 32], edi
    ldmxcsr [rsp + 32]
    add  rsp, 40
    xor  eax, eax
    ret
.size abi_feclearexcept, . - abi_feclearexcept

# The raised flags of both units: eax = (x87 status | MXCSR) & ALL_EXCEPT.
fenv_raised:
    sub  rsp, 8
    fnstsw ax
    stmxcsr [rsp]
    or   eax, [rsp]
    and  eax, ALL_EXCEPT
    add  rsp, 8
    ret

# int fetestexcept(int excepts)
FUNC abi_fetestexcept
    call fenv_raised
    and  eax, edi
    ret
.size abi_fetestexcept, . - abi_fetestexcept

# int fegetexceptflag(fexcept_t *flagp, int excepts)
FUNC abi_fegetexceptflag
    call fenv_raised
    and  eax, esi
    mov  [rdi], ax
    xor  eax, eax
    ret
.size abi_fegetexceptflag, . - abi_fegetexceptflag

# int fesetexceptflag(const fexcept_t *flagp, int excepts): sets the flags without raising (no trap).
FUNC abi_fesetexceptflag
    and  esi, ALL_EXCEPT
    movzx eax, word ptr [rdi]
    and  eax, esi                       # the flags to set
    not  esi                            # the flags to keep
    sub  rsp, 40
    fnstenv [rsp]
    and  [rsp + 4], si
    or   [rsp + 4], ax
    fldenv [rsp]
    stmxcsr [rsp + 32]
    and  [rsp + 32], esi
    or   [rsp + 32], eax
    ldmxcsr [rsp + 32]
    add  rsp, 40
    xor  eax, eax
    ret
.size abi_fesetexceptflag, . - abi_fesetexceptflag

# int feraiseexcept(int excepts): as glibc, invalid and division by zero come from real SSE
# operations, the others are set in the x87 status word and made visible with fwait, so an
# enabled exception traps (SIGFPE) the way it would on Linux.
FUNC abi_feraiseexcept
    sub  rsp, 40
    test edi, 0x01
    jz   1f
    xorps xmm0, xmm0
    divss xmm0, xmm0                    # 0/0: invalid
1:  test edi, 0x04
    jz   2f
    mov  eax, 0x3f800000
    movd xmm0, eax
    xorps xmm1, xmm1
    divss xmm0, xmm1                    # 1/0: division by zero
2:  mov  eax, edi
    and  eax, 0x38                      # overflow, underflow, inexact, in that order as glibc
    jz   3f
    test eax, 0x08
    jz   4f
    fnstenv [rsp]
    or   word ptr [rsp + 4], 0x08
    fldenv [rsp]
    fwait
4:  test eax, 0x10
    jz   5f
    fnstenv [rsp]
    or   word ptr [rsp + 4], 0x10
    fldenv [rsp]
    fwait
5:  test eax, 0x20
    jz   3f
    fnstenv [rsp]
    or   word ptr [rsp + 4], 0x20
    fldenv [rsp]
    fwait
3:  add  rsp, 40
    xor  eax, eax
    ret
.size abi_feraiseexcept, . - abi_feraiseexcept

# int fegetround(void)
FUNC abi_fegetround
    sub  rsp, 8
    fnstcw [rsp]
    movzx eax, word ptr [rsp]
    and  eax, ROUND_MASK
    add  rsp, 8
    ret
.size abi_fegetround, . - abi_fegetround

# int fesetround(int mode): 0, or 1 for a value that is not a mode.
FUNC abi_fesetround
    test edi, ~ROUND_MASK
    jnz  1f
    sub  rsp, 8
    fnstcw [rsp]
    and  word ptr [rsp], ~ROUND_MASK
    or   [rsp], di
    fldcw [rsp]
    stmxcsr [rsp + 4]
    and  dword ptr [rsp + 4], ~(ROUND_MASK << 3)
    shl  edi, 3
    or   [rsp + 4], edi
    ldmxcsr [rsp + 4]
    add  rsp, 8
    xor  eax, eax
    ret
1:  mov  eax, 1
    ret
.size abi_fesetround, . - abi_fesetround

# int fegetenv(fenv_t *envp): fnstenv masks every x87 exception, so the image is loaded back.
FUNC abi_fegetenv
    fnstenv [rdi]
    fldenv [rdi]
    stmxcsr [rdi + 28]
    xor  eax, eax
    ret
.size abi_fegetenv, . - abi_fegetenv

# int feholdexcept(fenv_t *envp): saves the environment, clears the flags, masks every exception.
FUNC abi_feholdexcept
    fnstenv [rdi]                       # leaves the x87 exceptions masked
    fnclex
    stmxcsr [rdi + 28]
    mov  eax, [rdi + 28]
    and  eax, ~ALL_EXCEPT
    or   eax, 0x1f80                    # every SSE exception masked
    sub  rsp, 8
    mov  [rsp], eax
    ldmxcsr [rsp]
    add  rsp, 8
    xor  eax, eax
    ret
.size abi_feholdexcept, . - abi_feholdexcept

# int fesetenv(const fenv_t *envp), with glibc's FE_DFL_ENV (-1) and FE_NOMASK_ENV (-2).
FUNC abi_fesetenv
    sub  rsp, 40
    fnstenv [rsp]
    cmp  rdi, -1
    je   1f
    cmp  rdi, -2
    je   2f
    # A saved environment: its control bits and flags, the current instruction pointers (glibc).
    mov  ax, [rdi]
    and  ax, ALL_EXCEPT | ROUND_MASK | 0x300
    and  word ptr [rsp], ~(ALL_EXCEPT | ROUND_MASK | 0x300)
    or   [rsp], ax
    mov  ax, [rdi + 4]
    and  ax, ALL_EXCEPT
    and  word ptr [rsp + 4], ~ALL_EXCEPT
    or   [rsp + 4], ax
    mov  eax, [rdi + 28]
    jmp  3f
1:  mov  eax, 0x1f80                    # default: all masked, to nearest, no flags
    or   word ptr [rsp], ALL_EXCEPT
    jmp  4f
2:  mov  eax, 0x0000                    # FE_NOMASK_ENV: every exception traps
    and  word ptr [rsp], ~ALL_EXCEPT
4:  and  word ptr [rsp], ~ROUND_MASK
    or   word ptr [rsp], 0x300          # extended precision
    and  word ptr [rsp + 4], ~ALL_EXCEPT
3:  mov  [rsp + 28], eax
    fldenv [rsp]
    ldmxcsr [rsp + 28]
    add  rsp, 40
    xor  eax, eax
    ret
.size abi_fesetenv, . - abi_fesetenv

# int feupdateenv(const fenv_t *envp): installs envp, then raises the flags that were raised.
FUNC abi_feupdateenv
    push rbx
    call fenv_raised
    mov  ebx, eax
    call abi_fesetenv
    mov  edi, ebx
    call abi_feraiseexcept
    pop  rbx
    xor  eax, eax
    ret
.size abi_feupdateenv, . - abi_feupdateenv

# int feenableexcept(int excepts) / fedisableexcept: unmask / mask; both return the previously
# enabled set.
FUNC abi_feenableexcept
    and  edi, ALL_EXCEPT
    sub  rsp, 8
    fnstcw [rsp]
    movzx eax, word ptr [rsp]
    not  eax
    and  eax, ALL_EXCEPT
    mov  esi, edi
    not  esi
    and  [rsp], si
    fldcw [rsp]
    stmxcsr [rsp + 4]
    shl  edi, 7
    not  edi
    and  [rsp + 4], edi
    ldmxcsr [rsp + 4]
    add  rsp, 8
    ret
.size abi_feenableexcept, . - abi_feenableexcept

FUNC abi_fedisableexcept
    and  edi, ALL_EXCEPT
    sub  rsp, 8
    fnstcw [rsp]
    movzx eax, word ptr [rsp]
    not  eax
    and  eax, ALL_EXCEPT
    or   [rsp], di
    fldcw [rsp]
    stmxcsr [rsp + 4]
    shl  edi, 7
    or   [rsp + 4], edi
    ldmxcsr [rsp + 4]
    add  rsp, 8
    ret
.size abi_fedisableexcept, . - abi_fedisableexcept

# int fegetexcept(void): the enabled (unmasked) exceptions.
FUNC abi_fegetexcept
    sub  rsp, 8
    fnstcw [rsp]
    movzx eax, word ptr [rsp]
    not  eax
    and  eax, ALL_EXCEPT
    add  rsp, 8
    ret
.size abi_fegetexcept, . - abi_fegetexcept

# nearbyint, nearbyintf: round in the current mode without raising inexact (SSE4.1 roundsd with
# "use MXCSR, suppress precision"); rint (C#, Libc/Math/Exact.cs) raises it.
FUNC abi_nearbyint
    roundsd xmm0, xmm0, 0x0c
    ret
.size abi_nearbyint, . - abi_nearbyint

FUNC abi_nearbyintf
    roundss xmm0, xmm0, 0x0c
    ret
.size abi_nearbyintf, . - abi_nearbyintf
