# Generates the 80-bit constants of src/Kernel/Arch/X64/longdouble_math.S: the Taylor coefficients
# of sin and cos (+-1/n!), the three-part pi/2 split, 2/pi, and ln 2 split for expl.
# Run: python3 tests/generators/longdouble_constants.py (prints the .S lines).
from decimal import Decimal, getcontext
from fractions import Fraction
from math import factorial
PI = Fraction("3.14159265358979323846264338327950288419716939937510582097494459230781640628620899862803482534211706798")

def ext(f, bits=64):
    s = 0x8000 if f < 0 else 0
    f = abs(f)
    e = 0
    while f >= 2: f /= 2; e += 1
    while f < 1: f *= 2; e -= 1
    sig = round(f * 2 ** (bits - 1)) << (64 - bits)
    if sig >= 2 ** 64: sig >>= 1; e += 1
    return sig, s | (e + 16383)

def trunc_bits(f, bits):
    e = 0
    g = f
    while g >= 2: g /= 2; e += 1
    while g < 1: g *= 2; e -= 1
    m = int(g * 2 ** (bits - 1))
    return Fraction(m, 2 ** (bits - 1)) * Fraction(2) ** e

def line(name, f, bits=64):
    sig, se = ext(f, bits)
    return f"{name}: .quad 0x{sig:016X}; .short 0x{se:04X}; .balign 16"

half = PI / 2
p1 = trunc_bits(half, 32)
p2 = trunc_bits(half - p1, 32)
p3 = half - p1 - p2
print(line("ld_pio2_1", p1)); print(line("ld_pio2_2", p2)); print(line("ld_pio2_3", p3))
print(line("ld_two_over_pi", 2 / PI))
for k in range(1, 11):
    print(line(f"ld_sin_{k}", Fraction((-1) ** k, factorial(2 * k + 1))))
for k in range(1, 11):
    print(line(f"ld_cos_{k}", Fraction((-1) ** k, factorial(2 * k))))
getcontext().prec = 80
LN2 = Fraction(Decimal(2).ln())
ln2_hi = trunc_bits(LN2, 48)
print(line("ld_ln2_hi", ln2_hi)); print(line("ld_ln2_lo", LN2 - ln2_hi))
