# <math.h>'s long double functions (x87 80-bit extended) whose result the x87 gives exactly: the x87
# instructions are the right tool (frndint, fprem, fxtract, fscale, fsqrt), as in glibc's x86-64
# assembly. SysV: a long double argument is 16 bytes on the stack (the first at [rsp + 8] on entry),
# the result is returned in st(0). Bit-level functions (nextafterl, nexttoward) are in C#
# (Libc/Math/LongDouble.cs), reached by pointer. Each function keeps a frame below rsp it owns
# (no red zone): after ENTER the arguments are at X, Y, Z.
.intel_syntax noprefix
.code64
.section .text

.set X, 48
.set Y, 64
.set Z, 80

.macro FUNC name
.global \name
.type \name, @function
\name:
.endm
.macro ENTER
    sub  rsp, 40
.endm
.macro LEAVE
    add  rsp, 40
    ret
.endm

# strtold: the C# parser (libc_strtold_bits, Libc/Stdlib/NumbersFloat.cs) writes the x87 value
# below rsp's 16-byte boundary, and fld returns it in st(0).
FUNC abi_strtold
    sub  rsp, 24
    mov  rdx, rsp
    call libc_strtold_bits
    fld  tbyte ptr [rsp]
    add  rsp, 24
    ret

# st(0) = x, st(1) = y: the partial remainder instruction `op` (fprem or fprem1) until complete.
.macro REMAINDER_LOOP op
1:  \op
    fnstsw ax
    test ax, 0x400
    jnz  1b
.endm

# st(0) rounded to an integer in `mode` (0x400 down, 0x800 up, 0xc00 toward zero, or -1 for the
# current mode) without raising inexact; an invalid from a signalling NaN stays (glibc's s_floorl.S).
.macro ROUND_IN mode
    fnstenv [rsp]
.if \mode >= 0
    mov  ax, [rsp]
    and  ax, ~0xc00
    or   ax, \mode
    mov  [rsp + 32], ax
    fldcw [rsp + 32]
.endif
    frndint
    fnstsw ax
    and  eax, 1
    or   [rsp + 4], ax
    fldenv [rsp]
.endm

FUNC abi_fabsl
    fld  tbyte ptr [rsp + 8]
    fabs
    ret
.size abi_fabsl, . - abi_fabsl

FUNC abi_copysignl
    mov  ax, [rsp + 16]
    and  ax, 0x7fff
    mov  dx, [rsp + 32]
    and  dx, 0x8000
    or   ax, dx
    mov  [rsp + 16], ax
    fld  tbyte ptr [rsp + 8]
    ret
.size abi_copysignl, . - abi_copysignl

FUNC abi_sqrtl
    fld  tbyte ptr [rsp + 8]
    fsqrt
    ret
.size abi_sqrtl, . - abi_sqrtl

FUNC abi_floorl
    ENTER
    fld  tbyte ptr [rsp + X]
    ROUND_IN 0x400
    LEAVE
.size abi_floorl, . - abi_floorl

FUNC abi_ceill
    ENTER
    fld  tbyte ptr [rsp + X]
    ROUND_IN 0x800
    LEAVE
.size abi_ceill, . - abi_ceill

FUNC abi_truncl
    ENTER
    fld  tbyte ptr [rsp + X]
    ROUND_IN 0xc00
    LEAVE
.size abi_truncl, . - abi_truncl

FUNC abi_nearbyintl
    ENTER
    fld  tbyte ptr [rsp + X]
    ROUND_IN -1
    LEAVE
.size abi_nearbyintl, . - abi_nearbyintl

# rintl rounds in the current mode and raises inexact.
FUNC abi_rintl
    fld  tbyte ptr [rsp + 8]
    frndint
    ret
.size abi_rintl, . - abi_rintl

# lrintl (and llrintl): the current mode; out of range gives LONG_MIN and invalid, as fistp does.
FUNC abi_lrintl
    ENTER
    fld  tbyte ptr [rsp + X]
    fistp qword ptr [rsp]
    mov  rax, [rsp]
    LEAVE
.size abi_lrintl, . - abi_lrintl

# roundl: halfway cases away from zero, no inexact. t = trunc(x); x - t is exact; one more unit away
# from zero when |x - t| >= 1/2. |x| >= 2^63, infinities and NaNs are already integral.
FUNC abi_roundl
    ENTER
    movzx eax, word ptr [rsp + X + 8]
    and  eax, 0x7fff
    fld  tbyte ptr [rsp + X]
    cmp  eax, 0x3fff + 63
    jae  1f
    fld  st(0)
    ROUND_IN 0xc00                      # st0 = t, st1 = x
    fld  st(1)
    fsub st(0), st(1)
    fabs                                # |x - t|, t, x
    fld  qword ptr [rip + ld_half]
    fcomip st(0), st(1)
    fstp st(0)                          # t, x
    ja   2f                             # 1/2 > |x - t|
    fld1
    test word ptr [rsp + X + 8], 0x8000
    jz   3f
    fchs
3:  faddp st(1), st(0)
2:  fstp st(1)
1:  LEAVE
.size abi_roundl, . - abi_roundl

# fmodl (fprem: the quotient truncated) and remainderl (fprem1: rounded to nearest), both exact.
.macro REMAINDER_FUNCTION name, op
FUNC \name
    fld  tbyte ptr [rsp + 24]
    fld  tbyte ptr [rsp + 8]
    REMAINDER_LOOP \op
    fstp st(1)
    ret
.size \name, . - \name
.endm
REMAINDER_FUNCTION abi_fmodl, fprem
REMAINDER_FUNCTION abi_remainderl, fprem1

# remquol(x, y, int *quo): the remainder r of fprem1, and the quotient's low three bits with the sign
# of x/y. Not from fprem1's C0/C3/C1 (QEMU's emulator leaves them clear): m = fmod(x, 8|y|) is
# exact and (m - r)/y is the quotient modulo 8, at most 8 in magnitude, so rounding it is exact.
FUNC abi_remquol
    ENTER
    fld  tbyte ptr [rsp + Y]
    fld  tbyte ptr [rsp + X]
    REMAINDER_LOOP fprem1               # r, y
    xor  ecx, ecx
    movzx eax, word ptr [rsp + Y + 8]
    and  eax, 0x7fff
    cmp  eax, 0x7fff
    je   5f                             # y infinite or NaN: quotient 0
    test eax, eax
    jnz  2f
    cmp  qword ptr [rsp + Y], 0
    je   5f                             # y zero
2:  movzx edx, word ptr [rsp + X + 8]
    and  edx, 0x7fff
    cmp  edx, 0x7fff
    je   5f                             # x infinite or NaN
    fld  tbyte ptr [rsp + X]            # x, r, y
    cmp  eax, 0x7ffe - 3
    jae  4f                             # 8|y| would overflow: |x| < 8|y| already
    fld  st(2)
    fabs
    fmul qword ptr [rip + ld_eight]
    fxch                                # x, 8|y|, r, y
    REMAINDER_LOOP fprem
    fstp st(1)                          # m, r, y
4:  fsub st(0), st(1)
    fdiv st(0), st(2)
    fabs
    fadd qword ptr [rip + ld_half]
    fisttp dword ptr [rsp + 32]         # |quotient| mod 8, or 8
    mov  ecx, [rsp + 32]
    and  ecx, 7
    mov  ax, [rsp + X + 8]
    xor  ax, [rsp + Y + 8]
    test ax, 0x8000
    jz   5f
    neg  ecx
5:  mov  [rdi], ecx
    fstp st(1)                          # r
    LEAVE
.size abi_remquol, . - abi_remquol

# modfl(x, long double *ip): *ip = trunc(x), returns x - trunc(x) with x's sign (±0 for infinities).
FUNC abi_modfl
    ENTER
    fld  tbyte ptr [rsp + X]
    fld  st(0)
    ROUND_IN 0xc00                      # t, x
    fld  st(0)
    fstp tbyte ptr [rdi]
    movzx eax, word ptr [rsp + X + 8]
    and  eax, 0x7fff
    cmp  eax, 0x7fff
    jne  1f
    mov  rax, [rsp + X]
    shl  rax, 1
    jnz  1f                             # NaN: x - x is NaN
    fstp st(0)
    fstp st(0)
    fldz                                # infinity: 0
    jmp  2f
1:  fsubp st(1), st(0)                  # x - t
    fabs
2:  test word ptr [rsp + X + 8], 0x8000
    jz   3f
    fchs
3:  LEAVE
.size abi_modfl, . - abi_modfl

# frexpl(x, int *e): x = m * 2^e with 1/2 <= |m| < 1; zeros, infinities and NaNs come back with e = 0.
FUNC abi_frexpl
    fld  tbyte ptr [rsp + 8]
    movzx eax, word ptr [rsp + 16]
    and  eax, 0x7fff
    cmp  eax, 0x7fff
    je   1f
    test eax, eax
    jnz  2f
    cmp  qword ptr [rsp + 8], 0
    je   1f
2:  fxtract                             # significand in [1, 2), exponent
    fxch
    fistp dword ptr [rdi]
    inc  dword ptr [rdi]
    fmul qword ptr [rip + ld_half]
    ret
1:  mov  dword ptr [rdi], 0
    ret
.size abi_frexpl, . - abi_frexpl

# ldexpl and scalbnl (x, int n), scalblnl (x, long n): fscale, exact or overflowing/underflowing once.
FUNC abi_ldexpl
    push rdi
    fild dword ptr [rsp]
    fld  tbyte ptr [rsp + 16]
    fscale
    fstp st(1)
    pop  rdi
    ret
.size abi_ldexpl, . - abi_ldexpl

FUNC abi_scalblnl
    push rdi
    fild qword ptr [rsp]
    fld  tbyte ptr [rsp + 16]
    fscale
    fstp st(1)
    pop  rdi
    ret
.size abi_scalblnl, . - abi_scalblnl

# logbl: the exponent as a long double (fxtract: -inf and divide-by-zero for 0, +inf for infinities).
FUNC abi_logbl
    fld  tbyte ptr [rsp + 8]
    fxtract
    fstp st(0)
    ret
.size abi_logbl, . - abi_logbl

# ilogbl: the exponent as an int; FP_ILOGB0 and FP_ILOGBNAN are INT_MIN, infinities INT_MAX (glibc x86).
FUNC abi_ilogbl
    movzx eax, word ptr [rsp + 16]
    and  eax, 0x7fff
    cmp  eax, 0x7fff
    je   2f
    test eax, eax
    jnz  1f
    cmp  qword ptr [rsp + 8], 0
    je   3f
1:  sub  rsp, 8
    fld  tbyte ptr [rsp + 16]
    fxtract
    fstp st(0)
    fistp dword ptr [rsp]
    mov  eax, [rsp]
    add  rsp, 8
    ret
2:  mov  rax, [rsp + 8]
    shl  rax, 1
    jnz  3f
    mov  eax, 0x7fffffff
    ret
3:  mov  eax, 0x80000000
    ret
.size abi_ilogbl, . - abi_ilogbl

# fminl, fmaxl: a NaN argument loses to a number (both NaN: NaN).
FUNC abi_fminl
    fld  tbyte ptr [rsp + 24]
    fld  tbyte ptr [rsp + 8]            # x, y
    fucomi st(0), st(0)
    jp   1f                             # x is NaN: y
    fucomi st(0), st(1)
    jp   2f                             # y is NaN: x
    fcmovnbe st(0), st(1)               # x > y: y (equal: x, as glibc)
2:  fstp st(1)
    ret
1:  fstp st(0)
    ret
.size abi_fminl, . - abi_fminl

FUNC abi_fmaxl
    fld  tbyte ptr [rsp + 24]
    fld  tbyte ptr [rsp + 8]            # x, y
    fucomi st(0), st(0)
    jp   1f
    fucomi st(0), st(1)
    jp   2f
    fcmovbe st(0), st(1)                # x <= y: y (equal: y, as glibc)
2:  fstp st(1)
    ret
1:  fstp st(0)
    ret
.size abi_fmaxl, . - abi_fmaxl

# fdiml: x - y when x > y, else +0; NaN in, NaN out.
FUNC abi_fdiml
    fld  tbyte ptr [rsp + 24]
    fld  tbyte ptr [rsp + 8]            # x, y
    fucomi st(0), st(1)
    jp   1f
    ja   1f
    fstp st(0)
    fstp st(0)
    fldz
    ret
1:  fsubrp st(1), st(0)                 # x - y
    ret
.size abi_fdiml, . - abi_fdiml

# nextafterl (and nexttowardl), nexttoward, nexttowardf: the C# functions work on the arguments in
# place (an 80-bit value by pointer).
FUNC abi_nextafterl
    lea  rdi, [rsp + 8]
    lea  rsi, [rsp + 24]
    sub  rsp, 8
    call libc_nextafterl
    add  rsp, 8
    fld  tbyte ptr [rsp + 8]
    ret
.size abi_nextafterl, . - abi_nextafterl

FUNC abi_nexttoward
    lea  rdi, [rsp + 8]
    jmp  libc_nexttoward
.size abi_nexttoward, . - abi_nexttoward

FUNC abi_nexttowardf
    lea  rdi, [rsp + 8]
    jmp  libc_nexttowardf
.size abi_nexttowardf, . - abi_nexttowardf

# signgam (and __signgam): the sign of Gamma from the last lgamma, lgammaf or lgammal (C# writes it
# through libm_signgam_address).
FUNC libm_signgam_address
    lea  rax, [rip + abi_signgam]
    ret
.size libm_signgam_address, . - libm_signgam_address

.section .rodata
.balign 8
ld_half: .double 0.5
ld_eight: .double 8.0

.section .data
.balign 4
.global abi_signgam, abi___signgam
.type abi_signgam, @object
.type abi___signgam, @object
abi_signgam:
abi___signgam: .long 0
.size abi_signgam, 4
.size abi___signgam, 4
