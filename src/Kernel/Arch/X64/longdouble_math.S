# <math.h>'s transcendental long double functions on the x87, whose instructions compute them to
# about one unit in the last place of the 64-bit significand: fyl2x/fyl2xp1 (logarithms), f2xm1 with
# fscale (exponentials, after an exact reduction), fpatan, fsqrt; sin/cos/tan by polynomials. Not
# bit-identical to glibc's (which is not correctly rounded either); the hyperbolic functions are built
# from expm1/log1p. SysV: the argument at [rsp + 8] (at X after ENTER), the result in st(0).
.intel_syntax noprefix
.code64
.section .text

.set X, 24
.set Y, 40

.macro FUNC name
.global \name
.type \name, @function
\name:
.endm
.macro ENTER
    sub  rsp, 16
.endm
.macro LEAVE
    add  rsp, 16
    ret
.endm

# eax = the exponent field of the long double at [rsp + \at] (0x7fff: infinity or NaN).
.macro EXPONENT at
    movzx eax, word ptr [rsp + \at + 8]
    and  eax, 0x7fff
.endm
.macro NEGATIVE at
    test word ptr [rsp + \at + 8], 0x8000
.endm

# Flags of `limit` (a double) against |st(0)|, the stack unchanged: ja when |x| < limit.
.macro COMPARE_ABS limit
    fld  st(0)
    fabs
    fld  qword ptr [rip + \limit]
    fcomip st(0), st(1)
    fstp st(0)
.endm

# ------------------------------------------------------------------ internal: st(0) in, st(0) out

# 2^t for finite t: 2^(t - n) by f2xm1 (|t - n| <= 1/2, exact), then scaled by 2^n.
ld_exp2:
    fld  st(0)
    frndint
    fsub st(1), st(0)                   # n, t - n
    fxch
    f2xm1
    fld1
    faddp st(1), st(0)
    fscale
    fstp st(1)
    ret

# Reduces finite x (clamped to where e^x is finite and non-zero, and beyond) for e^x = 2^n * 2^t:
# n = round(x / ln 2), r = x - n ln2_hi - n ln2_lo (n ln2_hi exact), t = r log2(e). Leaves t, n.
ld_exp_reduce:
    fld  tbyte ptr [rip + ld_exp_max]
    fcomi st(0), st(1)
    fcmovnb st(0), st(1)                # min(x, max)
    fstp st(1)
    fld  tbyte ptr [rip + ld_exp_min]
    fcomi st(0), st(1)
    fcmovb st(0), st(1)                 # max(x, min)
    fstp st(1)
    fldl2e
    fmul st(0), st(1)
    frndint                             # n, x
    fld  tbyte ptr [rip + ld_ln2_hi]
    fmul st(0), st(1)
    fsubp st(2), st(0)                  # n, x - n hi
    fld  tbyte ptr [rip + ld_ln2_lo]
    fmul st(0), st(1)
    fsubp st(2), st(0)                  # n, r
    fxch
    fldl2e
    fmulp st(1), st(0)                  # t, n
    ret

# e^x for finite x.
ld_exp:
    call ld_exp_reduce
    f2xm1
    fld1
    faddp st(1), st(0)
    fscale
    fstp st(1)
    ret

# e^x - 1 for finite x: directly from f2xm1 when |x| < ln 2 / 2, else 2^n (2^t - 1) + (2^n - 1).
ld_expm1:
    COMPARE_ABS ld_half_ln2
    jbe  1f
    fldl2e
    fmulp st(1), st(0)
    f2xm1
    ret
1:  fld  qword ptr [rip + ld_minus_46]
    fcomip st(0), st(1)
    jb   2f
    fstp st(0)                          # x <= -46: -1 within half an ulp
    fld1
    fchs
    ret
2:  fld  qword ptr [rip + ld_sixty_four]
    fcomip st(0), st(1)
    jae  3f
    call ld_exp                         # x > 64: e^x - 1 is e^x rounded (or infinity)
    fld1
    fsubp st(1), st(0)
    ret
3:  call ld_exp_reduce                  # t, n
    f2xm1
    fscale                              # E = 2^n (2^t - 1), n
    fxch
    fld1
    fscale                              # 2^n, n, E
    fld1
    fsubp st(1), st(0)                  # 2^n - 1, n, E
    fstp st(1)
    faddp st(1), st(0)
    ret

# log(1 + x): fyl2xp1 is exact-ish only for |x| < 1 - sqrt(2)/2.
ld_log1p:
    COMPARE_ABS ld_log1p_limit
    fldln2
    fxch
    jbe  1f
    fyl2xp1
    ret
1:  fld1
    faddp st(1), st(0)
    fyl2x
    ret

ld_log:
    fldln2
    fxch
    fyl2x
    ret

# ------------------------------------------------------------------ logarithms

FUNC abi_logl
    fldln2
    fld  tbyte ptr [rsp + 8]
    fyl2x
    ret
.size abi_logl, . - abi_logl

FUNC abi_log2l
    fld1
    fld  tbyte ptr [rsp + 8]
    fyl2x
    ret
.size abi_log2l, . - abi_log2l

FUNC abi_log10l
    fldlg2
    fld  tbyte ptr [rsp + 8]
    fyl2x
    ret
.size abi_log10l, . - abi_log10l

FUNC abi_log1pl
    fld  tbyte ptr [rsp + 8]
    jmp  ld_log1p
.size abi_log1pl, . - abi_log1pl

# ------------------------------------------------------------------ exponentials

# Infinities and NaNs of the exponentials: NaN stays (quiet), +inf gives +inf, -inf gives \neg.
.macro EXP_SPECIAL neg
    EXPONENT X
    cmp  eax, 0x7fff
    jne  8f
    fld  tbyte ptr [rsp + X]
    mov  rax, [rsp + X]
    shl  rax, 1
    jnz  9f                             # NaN: x + x
    NEGATIVE X
    jz   7f
    fstp st(0)
    \neg
    jmp  7f
9:  fadd st(0), st(0)
7:  LEAVE
8:  fld  tbyte ptr [rsp + X]
.endm

FUNC abi_expl
    ENTER
    EXP_SPECIAL fldz
    call ld_exp
    LEAVE
.size abi_expl, . - abi_expl

FUNC abi_exp2l
    ENTER
    EXP_SPECIAL fldz
    call ld_exp2
    LEAVE
.size abi_exp2l, . - abi_exp2l

.macro MINUS_ONE
    fld1
    fchs
.endm
FUNC abi_expm1l
    ENTER
    EXP_SPECIAL MINUS_ONE
    call ld_expm1
    LEAVE
.size abi_expm1l, . - abi_expm1l

# ------------------------------------------------------------------ trigonometric
# Not fsin/fcos/fptan: QEMU's emulator computes those in double precision. x = k pi/2 + r with
# |r| <= pi/4 (Cody-Waite: pi/2 in three parts, k pi/2_1 and k pi/2_2 exact for |x| < 2^30; larger
# arguments are first reduced modulo 2 pi by fprem, exact for the 64-bit 2 pi but not for pi: beyond
# 2^30 the results lose accuracy, where glibc reduces exactly),
# then Taylor polynomials to r^21, evaluated in extended precision.

# st(0) = x in, st(0) = r out, eax = k mod 4.
ld_trig_reduce:
    sub  rsp, 24
    COMPARE_ABS ld_two_30
    ja   2f                             # |x| < 2^30
    fldpi                               # large, infinite or NaN: x mod 2 pi (NaN for NaN, infinities)
    fadd st(0), st(0)
    fxch
1:  fprem
    fnstsw ax
    test ax, 0x400
    jnz  1b
    fstp st(1)
2:  fnstcw [rsp + 8]                    # k = round(x 2/pi), to nearest whatever the mode
    mov  ax, [rsp + 8]
    and  ax, ~0xc00
    mov  [rsp + 12], ax
    fldcw [rsp + 12]
    fld  tbyte ptr [rip + ld_two_over_pi]
    fmul st(0), st(1)
    frndint
    fist dword ptr [rsp]
    fldcw [rsp + 8]                     # k, x
    cmp  dword ptr [rsp], 0
    je   3f                             # k = 0: r = x (keeps the sign of a zero)
    fld  tbyte ptr [rip + ld_pio2_1]
    fmul st(0), st(1)
    fsubp st(2), st(0)
    fld  tbyte ptr [rip + ld_pio2_2]
    fmul st(0), st(1)
    fsubp st(2), st(0)
    fld  tbyte ptr [rip + ld_pio2_3]
    fmul st(0), st(1)
    fsubp st(2), st(0)                  # k, r
3:  fstp st(0)
    mov  eax, [rsp]
    and  eax, 3
    add  rsp, 24
    ret

# sin r = r + r z (s1 + z (s2 + ... + z s10)), z = r^2; a zero (or NaN) is its own sine. Keeps eax.
ld_sin_poly:
    fldz
    fcomip st(0), st(1)
    je   9f
    fld  st(0)
    fmul st(0), st(0)                   # z, r
    fld  tbyte ptr [rip + ld_sin_10]
.irp k, 9, 8, 7, 6, 5, 4, 3, 2, 1
    fmul st(0), st(1)
    fld  tbyte ptr [rip + ld_sin_\k]
    faddp st(1), st(0)
.endr
    fmulp st(1), st(0)                  # z p, r
    fmul st(0), st(1)
    faddp st(1), st(0)
9:  ret

# cos r = 1 + z (c1 + z (c2 + ... + z c10)). Keeps eax.
ld_cos_poly:
    fmul st(0), st(0)                   # z
    fld  tbyte ptr [rip + ld_cos_10]
.irp k, 9, 8, 7, 6, 5, 4, 3, 2, 1
    fmul st(0), st(1)
    fld  tbyte ptr [rip + ld_cos_\k]
    faddp st(1), st(0)
.endr
    fmulp st(1), st(0)
    fld1
    faddp st(1), st(0)
    ret

# sin(k pi/2 + r): sin r, cos r, -sin r, -cos r.
FUNC abi_sinl
    fld  tbyte ptr [rsp + 8]
    call ld_trig_reduce
    test eax, 1
    jnz  1f
    call ld_sin_poly
    jmp  2f
1:  call ld_cos_poly
2:  test eax, 2
    jz   3f
    fchs
3:  ret
.size abi_sinl, . - abi_sinl

# cos(k pi/2 + r): cos r, -sin r, -cos r, sin r.
FUNC abi_cosl
    fld  tbyte ptr [rsp + 8]
    call ld_trig_reduce
    test eax, 1
    jnz  1f
    call ld_cos_poly
    jmp  2f
1:  call ld_sin_poly
2:  inc  eax
    test eax, 2
    jz   3f
    fchs
3:  ret
.size abi_cosl, . - abi_cosl

# tan(k pi/2 + r): sin r / cos r, or -cos r / sin r for odd k.
FUNC abi_tanl
    fld  tbyte ptr [rsp + 8]
    call ld_trig_reduce
    fld  st(0)
    call ld_sin_poly
    fxch
    call ld_cos_poly                    # c, s
    test eax, 1
    jnz  1f
    fdivp st(1), st(0)
    ret
1:  fdivrp st(1), st(0)
    fchs
    ret
.size abi_tanl, . - abi_tanl

FUNC abi_atanl
    fld  tbyte ptr [rsp + 8]
    fld1
    fpatan
    ret
.size abi_atanl, . - abi_atanl

FUNC abi_atan2l
    fld  tbyte ptr [rsp + 8]            # y
    fld  tbyte ptr [rsp + 24]           # x
    fpatan
    ret
.size abi_atan2l, . - abi_atan2l

# asinl(x) = atan2(x, sqrt((1 - x)(1 + x))); acosl(x) = atan2(sqrt((1 - x)(1 + x)), x).
.macro ARC_ROOT
    fld  tbyte ptr [rsp + 8]
    fld1
    fsub st(0), st(1)
    fld1
    fadd st(0), st(2)
    fmulp st(1), st(0)
    fsqrt                               # s, x
.endm

FUNC abi_asinl
    ARC_ROOT
    fpatan
    ret
.size abi_asinl, . - abi_asinl

FUNC abi_acosl
    ARC_ROOT
    fxch
    fpatan
    ret
.size abi_acosl, . - abi_acosl

# ------------------------------------------------------------------ hyperbolic

# Leaves |x| on the stack; NaN and infinities return \result (computed from st(0) = x).
.macro HYP_START
    ENTER
    fld  tbyte ptr [rsp + X]
    EXPONENT X
    cmp  eax, 0x7fff
    jne  8f
    fabs
    fadd st(0), st(0)                   # NaN stays NaN, infinity stays (then signed)
    jmp  9f
8:  fabs
.endm
.macro HYP_SIGN
9:  NEGATIVE X
    jz   6f
    fchs
6:  LEAVE
.endm

# sinh a = (e + e / (e + 1)) / 2 with e = expm1(a); beyond 40, e^(a/2) (e^(a/2) / 2).
FUNC abi_sinhl
    HYP_START
    fld  qword ptr [rip + ld_forty]
    fcomip st(0), st(1)
    jb   1f
    call ld_expm1
    fld  st(0)
    fld1
    fadd st(0), st(1)
    fdivp st(1), st(0)
    faddp st(1), st(0)
    fmul qword ptr [rip + ld_half]
    jmp  2f
1:  call ld_half_exp_squared
2:  HYP_SIGN
.size abi_sinhl, . - abi_sinhl

# cosh a = (e + 1/e) / 2 with e = exp(a); beyond 40 as sinh.
FUNC abi_coshl
    HYP_START
    fld  qword ptr [rip + ld_forty]
    fcomip st(0), st(1)
    jb   1f
    call ld_exp
    fld1
    fdiv st(0), st(1)
    faddp st(1), st(0)
    fmul qword ptr [rip + ld_half]
    LEAVE
1:  call ld_half_exp_squared
9:  LEAVE                               # NaN or infinity: |x| + |x|
.size abi_coshl, . - abi_coshl

# e^a / 2 for a > 40 without overflowing early: h = e^(a/2), h (h / 2).
ld_half_exp_squared:
    fmul qword ptr [rip + ld_half]
    call ld_exp
    fld  st(0)
    fmul qword ptr [rip + ld_half]
    fmulp st(1), st(0)
    ret

# tanh a = t / (t + 2) with t = expm1(2a); 1 beyond 23.
FUNC abi_tanhl
    ENTER
    fld  tbyte ptr [rsp + X]
    EXPONENT X
    cmp  eax, 0x7fff
    jne  8f
    mov  rax, [rsp + X]
    shl  rax, 1
    jz   3f
    fadd st(0), st(0)                   # NaN
    LEAVE
8:  fabs
    fld  qword ptr [rip + ld_twenty_three]
    fcomip st(0), st(1)
    jb   3f
    fadd st(0), st(0)
    call ld_expm1
    fld  st(0)
    fld1
    fadd st(0), st(0)
    faddp st(1), st(0)
    fdivp st(1), st(0)
    jmp  4f
3:  fstp st(0)                          # infinity or large: 1
    fld1
4:  HYP_SIGN
.size abi_tanhl, . - abi_tanhl

# asinh a = log1p(a + a^2 / (1 + sqrt(1 + a^2))); beyond 2^32, log(a) + log 2.
FUNC abi_asinhl
    HYP_START
    fld  qword ptr [rip + ld_two_32]
    fcomip st(0), st(1)
    jb   1f
    fld  st(0)
    fmul st(0), st(0)                   # a^2, a
    fld1
    fadd st(0), st(1)
    fsqrt
    fld1
    faddp st(1), st(0)
    fdivp st(1), st(0)
    faddp st(1), st(0)
    call ld_log1p
    jmp  2f
1:  call ld_log
    fldln2
    faddp st(1), st(0)
2:  HYP_SIGN
.size abi_asinhl, . - abi_asinhl

# acosh x = log1p(t + sqrt(2t + t^2)), t = x - 1; beyond 2^32, log(x) + log 2; below 1, NaN.
FUNC abi_acoshl
    fld  tbyte ptr [rsp + 8]
    fld1
    fcomip st(0), st(1)
    jbe  2f
    fsub st(0), st(0)                   # x < 1: 0/0, invalid
    fdiv st(0), st(0)
    ret
2:    fld  qword ptr [rip + ld_two_32]
    fcomip st(0), st(1)
    jb   1f
    fld1
    fsubp st(1), st(0)                  # t
    fld  st(0)
    fadd st(0), st(0)
    fld  st(1)
    fmul st(0), st(0)
    faddp st(1), st(0)
    fsqrt
    faddp st(1), st(0)
    jmp  ld_log1p
1:  call ld_log
    fldln2
    faddp st(1), st(0)
    ret
.size abi_acoshl, . - abi_acoshl

# atanh a = log1p(2a / (1 - a)) / 2, odd; infinities are invalid.
FUNC abi_atanhl
    ENTER
    fld  tbyte ptr [rsp + X]
    EXPONENT X
    cmp  eax, 0x7fff
    jne  8f
    fsub st(0), st(0)                   # NaN, or inf - inf: invalid
    LEAVE
8:  fabs
    fld1
    fsub st(0), st(1)
    fdivr st(0), st(1)                  # a / (1 - a), a
    fadd st(0), st(0)
    fstp st(1)
    call ld_log1p
    fmul qword ptr [rip + ld_half]
    HYP_SIGN
.size abi_atanhl, . - abi_atanhl

# cbrtl: x = m 2^(3q + r) with m in [1, 2) (fxtract) and r in 0..2; cbrt(m 2^r) in [1, 2) from
# 2^(log2(m 2^r) / 3), then one Newton step y - (y^3 - b) / (3 y^2) in extended precision, scaled by 2^q.
FUNC abi_cbrtl
    ENTER
    fld  tbyte ptr [rsp + X]
    EXPONENT X
    cmp  eax, 0x7fff
    je   1f                             # infinity or NaN
    test eax, eax
    jnz  2f
    cmp  qword ptr [rsp + X], 0
    je   3f                             # zero
2:  fabs
    fxtract                             # m, e
    fxch
    fistp dword ptr [rsp]
    mov  eax, [rsp]
    cdq
    mov  ecx, 3
    idiv ecx                            # e = 3 q + r, r in -2..2
    test edx, edx
    jns  4f
    add  edx, 3                         # r in 0..2
    dec  eax
4:  mov  [rsp], eax
    mov  [rsp + 4], edx
    fild dword ptr [rsp + 4]
    fxch
    fscale
    fstp st(1)                          # b = m 2^r in [1, 8)
    fld1
    fld  st(1)
    fyl2x
    fdiv qword ptr [rip + ld_three]
    call ld_exp2                        # y, b
    fld  st(0)
    fmul st(0), st(0)                   # y^2, y, b
    fld  st(0)
    fmul st(0), st(2)                   # y^3, y^2, y, b
    fsub st(0), st(3)
    fxch
    fmul qword ptr [rip + ld_three]
    fdivp st(1), st(0)                  # (y^3 - b) / (3 y^2), y, b
    fsubp st(1), st(0)
    fstp st(1)                          # y
    fild dword ptr [rsp]
    fxch
    fscale
    fstp st(1)
    NEGATIVE X
    jz   3f
    fchs
    jmp  3f
1:  fadd st(0), st(0)
3:  LEAVE
.size abi_cbrtl, . - abi_cbrtl

# hypotl: sqrt(x^2 + y^2) on values scaled by a power of two so neither overflows nor underflows;
# an infinity wins over a NaN.
FUNC abi_hypotl
    ENTER
    EXPONENT X
    mov  ecx, eax
    EXPONENT Y
    cmp  eax, 0x7fff
    je   5f
    cmp  ecx, 0x7fff
    je   5f
    cmp  eax, ecx
    cmovb eax, ecx                      # the larger exponent field
    sub  eax, 16383
    mov  [rsp], eax
    fild dword ptr [rsp]
    fchs                                # -k
    fld  tbyte ptr [rsp + X]
    fscale
    fmul st(0), st(0)                   # (x 2^-k)^2, -k
    fxch
    fld  tbyte ptr [rsp + Y]
    fscale
    fmul st(0), st(0)                   # (y 2^-k)^2, -k, (x 2^-k)^2
    fstp st(1)
    faddp st(1), st(0)
    fsqrt
    fild dword ptr [rsp]
    fxch
    fscale
    fstp st(1)
    LEAVE
5:  fld  tbyte ptr [rsp + X]            # an infinity or a NaN: |x| + |y|, unless one is infinite
    fabs
    fld  tbyte ptr [rsp + Y]
    fabs
    faddp st(1), st(0)
    mov  rax, [rsp + X]
    shl  rax, 1
    jnz  6f
    cmp  ecx, 0x7fff
    je   7f                             # x infinite
6:  mov  rax, [rsp + Y]
    shl  rax, 1
    jnz  8f
    EXPONENT Y
    cmp  eax, 0x7fff
    jne  8f
7:  fstp st(0)                          # y infinite
    fld  tbyte ptr [rip + ld_infinity]
8:  LEAVE
.size abi_hypotl, . - abi_hypotl

.section .rodata
.balign 16
# Generated by tests/generators/longdouble_constants.py (ln 2 in a 48-bit head, so n ln2_hi is exact
# for |n| < 2^16, and the rest; pi/2 in three parts; 2/pi; Taylor coefficients of sin and cos).
ld_pio2_1: .quad 0xC90FDAA200000000; .short 0x3FFF; .balign 16
ld_pio2_2: .quad 0x85A308D300000000; .short 0x3FDD; .balign 16
ld_pio2_3: .quad 0x98CC51701B839A25; .short 0x3FBA; .balign 16
ld_two_over_pi: .quad 0xA2F9836E4E44152A; .short 0x3FFE; .balign 16
ld_sin_1: .quad 0xAAAAAAAAAAAAAAAB; .short 0xBFFC; .balign 16
ld_sin_2: .quad 0x8888888888888889; .short 0x3FF8; .balign 16
ld_sin_3: .quad 0xD00D00D00D00D00D; .short 0xBFF2; .balign 16
ld_sin_4: .quad 0xB8EF1D2AB6399C7D; .short 0x3FEC; .balign 16
ld_sin_5: .quad 0xD7322B3FAA271C7F; .short 0xBFE5; .balign 16
ld_sin_6: .quad 0xB092309D43684BE5; .short 0x3FDE; .balign 16
ld_sin_7: .quad 0xD73F9F399DC0F88F; .short 0xBFD6; .balign 16
ld_sin_8: .quad 0xCA963B81856A5359; .short 0x3FCE; .balign 16
ld_sin_9: .quad 0x97A4DA340A0AB926; .short 0xBFC6; .balign 16
ld_sin_10: .quad 0xB8DC77B6E7AB8C5F; .short 0x3FBD; .balign 16
ld_cos_1: .quad 0x8000000000000000; .short 0xBFFE; .balign 16
ld_cos_2: .quad 0xAAAAAAAAAAAAAAAB; .short 0x3FFA; .balign 16
ld_cos_3: .quad 0xB60B60B60B60B60B; .short 0xBFF5; .balign 16
ld_cos_4: .quad 0xD00D00D00D00D00D; .short 0x3FEF; .balign 16
ld_cos_5: .quad 0x93F27DBBC4FAE397; .short 0xBFE9; .balign 16
ld_cos_6: .quad 0x8F76C77FC6C4BDAA; .short 0x3FE2; .balign 16
ld_cos_7: .quad 0xC9CBA54603E4E906; .short 0xBFDA; .balign 16
ld_cos_8: .quad 0xD73F9F399DC0F88F; .short 0x3FD2; .balign 16
ld_cos_9: .quad 0xB413C31DCBECBBDE; .short 0xBFCA; .balign 16
ld_cos_10: .quad 0xF2A15D201011283D; .short 0x3FC1; .balign 16
ld_ln2_hi: .quad 0xB17217F7D1CF0000; .short 0x3FFE; .balign 16
ld_ln2_lo: .quad 0xF35793C7673007E6; .short 0x3FCD; .balign 16
ld_exp_max: .quad 0xB220000000000000; .short 16396; .balign 16     # 11400: e^x overflows beyond
ld_exp_min: .quad 0xB3B0000000000000; .short 16396 | 0x8000; .balign 16   # -11500: underflows to 0
ld_infinity: .quad 0x8000000000000000; .short 0x7fff; .balign 16
ld_half:        .double 0.5
ld_half_ln2:    .double 0.34657359027997264
ld_minus_46:    .double -46.0
ld_log1p_limit: .double 0.29
ld_forty:       .double 40.0
ld_twenty_three: .double 23.0
ld_two_32:      .double 4294967296.0
ld_sixty_four:  .double 64.0
ld_two_30:      .double 1073741824.0
ld_three:       .double 3.0
