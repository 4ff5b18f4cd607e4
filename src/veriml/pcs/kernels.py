"""Numba kernels of the WHIR prover and verifier (module-level, ``cache=True``).

Conventions (see :mod:`veriml.pcs.whir`): a multilinear f in m variables has an evaluation
table and a coefficient table, both indexed with x_0 as the most significant bit. Its
univariate twin is ``f^(X) = sum_i c[i] X^(e(i))`` with exponent bit j of e(i) equal to the
bit of x_j in i, so ``f^(z) = f(z, z^2, z^4, ..., z^(2^(m-1)))`` ("pow(z)", ACFY24 §2).
Extension elements are (..., 2) uint64 arrays (c0, c1) of c0 + c1 X, X^2 = 7.
"""

from __future__ import annotations

import numpy as np
from veriml.jit import kernel

from ..field.fast import emul, gadd, gmul, gneg, gpow, gsub

_ZERO = np.uint64(0)
_ONE = np.uint64(1)
_TWO = np.uint64(2)
INV2 = np.uint64((0xFFFFFFFF00000001 + 1) // 2)


# ---------------------------------------------------------------- sumcheck


@kernel
def sumcheck_coeffs_base(f, w):
    """h(X) = sum_b (f_lo + X df)(w_lo + X dw) = c0 + c1 X + c2 X^2 for base f, ext w.

    Returns (c0, c2) as four uint64: c0 = sum f_lo w_lo, c2 = sum df dw. (c1 follows from
    h(0) + h(1) = claim.)
    """
    half = f.shape[0] // 2
    a0 = _ZERO
    a1 = _ZERO
    b0 = _ZERO
    b1 = _ZERO
    for i in range(half):
        fl = f[i]
        df = gsub(f[half + i], fl)
        a0 = gadd(a0, gmul(fl, w[i, 0]))
        a1 = gadd(a1, gmul(fl, w[i, 1]))
        b0 = gadd(b0, gmul(df, gsub(w[half + i, 0], w[i, 0])))
        b1 = gadd(b1, gmul(df, gsub(w[half + i, 1], w[i, 1])))
    return a0, a1, b0, b1


@kernel
def sumcheck_coeffs_ext(f, w):
    """Same as :func:`sumcheck_coeffs_base` for an extension table f."""
    half = f.shape[0] // 2
    a0 = _ZERO
    a1 = _ZERO
    b0 = _ZERO
    b1 = _ZERO
    for i in range(half):
        m0, m1 = emul(f[i, 0], f[i, 1], w[i, 0], w[i, 1])
        a0 = gadd(a0, m0)
        a1 = gadd(a1, m1)
        d0 = gsub(f[half + i, 0], f[i, 0])
        d1 = gsub(f[half + i, 1], f[i, 1])
        e0 = gsub(w[half + i, 0], w[i, 0])
        e1 = gsub(w[half + i, 1], w[i, 1])
        m0, m1 = emul(d0, d1, e0, e1)
        b0 = gadd(b0, m0)
        b1 = gadd(b1, m1)
    return a0, a1, b0, b1


@kernel
def sumcheck_next(claim0, claim1, c00, c01, c20, c21, r0, r1):
    """h(r) with c1 = claim - 2 c0 - c2 (so that h(0) + h(1) = claim)."""
    c10 = gsub(gsub(claim0, gadd(c00, c00)), c20)
    c11 = gsub(gsub(claim1, gadd(c01, c01)), c21)
    # ((c2 r + c1) r + c0)
    t0, t1 = emul(c20, c21, r0, r1)
    t0, t1 = emul(gadd(t0, c10), gadd(t1, c11), r0, r1)
    return gadd(t0, c00), gadd(t1, c01)


# ---------------------------------------------------------------- coefficient tables


@kernel
def coeff_fold_base(c, r0, r1, out):
    """Fix x_0 = r in coefficient form: out = c_lo + r c_hi (c base, out ext)."""
    half = c.shape[0] // 2
    for i in range(half):
        out[i, 0] = gadd(c[i], gmul(c[half + i], r0))
        out[i, 1] = gmul(c[half + i], r1)


@kernel
def coeff_fold_ext(c, r0, r1, out):
    half = c.shape[0] // 2
    for i in range(half):
        m0, m1 = emul(c[half + i, 0], c[half + i, 1], r0, r1)
        out[i, 0] = gadd(c[i, 0], m0)
        out[i, 1] = gadd(c[i, 1], m1)


@kernel
def coeff_eval(c, x):
    """Multilinear (coefficient table c, ext) at the ext point x (m, 2), x_0 = MSB first."""
    n = c.shape[0]
    buf = c.copy()
    size = n
    j = 0
    while size > 1:
        half = size // 2
        for i in range(half):
            m0, m1 = emul(buf[half + i, 0], buf[half + i, 1], x[j, 0], x[j, 1])
            buf[i, 0] = gadd(buf[i, 0], m0)
            buf[i, 1] = gadd(buf[i, 1], m1)
        size = half
        j += 1
    return buf[0, 0], buf[0, 1]


@kernel
def coeff_eval_pow_many(c, zs, out):
    """out[j] = f^(zs[j]) = f(pow(zs[j])) for ext points zs (q, 2)."""
    m = 0
    while (1 << m) < c.shape[0]:
        m += 1
    x = np.empty((max(m, 1), 2), dtype=np.uint64)
    for j in range(zs.shape[0]):
        a0 = zs[j, 0]
        a1 = zs[j, 1]
        for l in range(m):
            x[l, 0] = a0
            x[l, 1] = a1
            a0, a1 = emul(a0, a1, a0, a1)
        v0, v1 = coeff_eval(c, x)
        out[j, 0] = v0
        out[j, 1] = v1


# ---------------------------------------------------------------- weights (eq tables)


@kernel
def _eq_pow_table_base(z, m):
    """Base-field eq table of the point (z, z^2, ..., z^(2^(m-1))), x_0 = MSB."""
    e = np.empty(1 << m, dtype=np.uint64)
    e[0] = _ONE
    size = 1
    x = z
    xs = np.empty(max(m, 1), dtype=np.uint64)
    for l in range(m):
        xs[l] = x
        x = gmul(x, x)
    for l in range(m):
        xl = xs[l]
        for i in range(size - 1, -1, -1):
            h = gmul(e[i], xl)
            e[2 * i + 1] = h
            e[2 * i] = gsub(e[i], h)
        size *= 2
    return e


@kernel
def add_eq_pow_base(w, zs, coeffs):
    """w += sum_j coeffs[j] * eq(pow(zs[j]), .) for base-field zs (w: (2^m, 2), coeffs ext).

    eq(x, b) = eq(x_hi, b_hi) eq(x_lo, b_lo) splits pow(z) into (z, ..., z^(2^(h-1))) for the
    high index bits and (z^(2^h), ...) for the low ones: per block of rows b_hi the kernel adds
    (coeffs[j] eq_hi[j, b_hi]) * eq_lo[j, .] for every j, an elementwise loop over b_lo that
    LLVM vectorises (serial: see shared/PERF-NOTES.md on parallel stalls).
    """
    n = w.shape[0]
    m = 0
    while (1 << m) < n:
        m += 1
    h = m // 2
    lo_bits = m - h
    q = zs.shape[0]
    nlo = 1 << lo_bits
    ehi = np.empty((q, 1 << h), dtype=np.uint64)
    elo = np.empty((q, nlo), dtype=np.uint64)
    for j in range(q):
        ehi[j, :] = _eq_pow_table_base(zs[j], h)
        zl = zs[j]
        for _ in range(h):
            zl = gmul(zl, zl)
        elo[j, :] = _eq_pow_table_base(zl, lo_bits)
    a0 = np.empty(nlo, dtype=np.uint64)
    a1 = np.empty(nlo, dtype=np.uint64)
    for bh in range(1 << h):
        base = bh * nlo
        for bl in range(nlo):
            a0[bl] = w[base + bl, 0]
            a1[bl] = w[base + bl, 1]
        for j in range(q):
            c0 = gmul(coeffs[j, 0], ehi[j, bh])
            c1 = gmul(coeffs[j, 1], ehi[j, bh])
            e = elo[j]
            for bl in range(nlo):
                a0[bl] = gadd(a0[bl], gmul(c0, e[bl]))
                a1[bl] = gadd(a1[bl], gmul(c1, e[bl]))
        for bl in range(nlo):
            w[base + bl, 0] = a0[bl]
            w[base + bl, 1] = a1[bl]


@kernel
def add_scaled_ext(w, t, g0, g1):
    """w += g * t for extension tables w, t (in place) and an extension scalar g."""
    for i in range(w.shape[0]):
        m0, m1 = emul(t[i, 0], t[i, 1], g0, g1)
        w[i, 0] = gadd(w[i, 0], m0)
        w[i, 1] = gadd(w[i, 1], m1)


@kernel
def add_scaled_base(w, t, g0, g1):
    """w += g * t for an extension table w (in place), a base table t and an extension g."""
    for i in range(w.shape[0]):
        w[i, 0] = gadd(w[i, 0], gmul(t[i], g0))
        w[i, 1] = gadd(w[i, 1], gmul(t[i], g1))


@kernel
def eq_ext_eval(a, b):
    """eq(a, b) = prod_l (a_l b_l + (1 - a_l)(1 - b_l)) for extension points (m, 2)."""
    p0 = _ONE
    p1 = _ZERO
    for l in range(a.shape[0]):
        t0, t1 = emul(a[l, 0], a[l, 1], b[l, 0], b[l, 1])
        # 2ab - a - b + 1
        u0 = gadd(gsub(gsub(gadd(t0, t0), a[l, 0]), b[l, 0]), _ONE)
        u1 = gsub(gsub(gadd(t1, t1), a[l, 1]), b[l, 1])
        p0, p1 = emul(p0, p1, u0, u1)
    return p0, p1


@kernel
def stacked_eq_sum(points, starts, sizes, blocks, coeffs, x):
    """sum_c coeffs[c] * eq((bits(blocks[c]), point_c), x) over claims c on a stacked table.

    Claim c has m_c = sizes[c] coordinates points[starts[c] : starts[c] + m_c] on the last m_c
    variables, and its table is the block ``blocks[c]`` of the first n - m_c variables
    (x_0 = MSB): eq of a bit b and x_l is x_l (b = 1) or 1 - x_l (b = 0).
    """
    n = x.shape[0]
    s0 = _ZERO
    s1 = _ZERO
    for c in range(sizes.shape[0]):
        m = sizes[c]
        hl = n - m
        p0 = _ONE
        p1 = _ZERO
        blk = blocks[c]
        for l in range(hl):
            if (blk >> (hl - 1 - l)) & 1:
                p0, p1 = emul(p0, p1, x[l, 0], x[l, 1])
            else:
                p0, p1 = emul(p0, p1, gsub(_ONE, x[l, 0]), gneg(x[l, 1]))
        st = starts[c]
        for l in range(m):
            a0 = points[st + l, 0]
            a1 = points[st + l, 1]
            b0 = x[hl + l, 0]
            b1 = x[hl + l, 1]
            t0, t1 = emul(a0, a1, b0, b1)
            u0 = gadd(gsub(gsub(gadd(t0, t0), a0), b0), _ONE)
            u1 = gsub(gsub(gadd(t1, t1), a1), b1)
            p0, p1 = emul(p0, p1, u0, u1)
        t0, t1 = emul(p0, p1, coeffs[c, 0], coeffs[c, 1])
        s0 = gadd(s0, t0)
        s1 = gadd(s1, t1)
    return s0, s1


_ROW_TILE = 256


@kernel
def fiber_rows_base(x, k, out):
    """out[q, s] = x[s R + q], R = len(x) / 2^k (codeword -> fold-fiber rows).

    Tiled over q: the 2^k source streams are R apart (a large power of two, so they share
    cache sets); each tile reads one stream at a time and writes a small block of rows.
    """
    r = x.shape[0] >> k
    for q0 in range(0, r, _ROW_TILE):
        q1 = min(q0 + _ROW_TILE, r)
        for s in range(1 << k):
            src = s * r
            for q in range(q0, q1):
                out[q, s] = x[src + q]


@kernel
def fiber_rows_inplace(x, k):
    """x (length 2^(a + k)) becomes its fold-fiber rows in place: afterwards x viewed as
    (2^a, 2^k) holds out[q, s] = x_old[s 2^a + q] (what :func:`fiber_rows_base` writes into a
    second array). The index map rotates the bits (s, q) -> (q, s); its cycles are followed
    one by one, a bitset marking the entries already placed (n / 64 words)."""
    n = x.shape[0]
    r = n >> k
    a = 0
    while (np.int64(1) << a) < r:
        a += 1
    seen = np.zeros((n + 63) >> 6, dtype=np.uint64)
    for start in range(n):
        if (seen[start >> 6] >> np.uint64(start & 63)) & _ONE:
            continue
        i = start
        v = x[i]
        while True:
            j = ((i & (r - 1)) << k) | (i >> a)
            seen[j >> 6] |= _ONE << np.uint64(j & 63)
            t = x[j]
            x[j] = v
            v = t
            i = j
            if i == start:
                break


@kernel
def fiber_rows_ext(x0, x1, k, out):
    """out[q, 2s + c] = x_c[s R + q] for the two components of an extension codeword."""
    r = x0.shape[0] >> k
    for q0 in range(0, r, _ROW_TILE):
        q1 = min(q0 + _ROW_TILE, r)
        for s in range(1 << k):
            src = s * r
            for q in range(q0, q1):
                out[q, 2 * s] = x0[src + q]
                out[q, 2 * s + 1] = x1[src + q]


@kernel
def eq_pow_sum(zs, coeffs, alphas):
    """sum_j coeffs[j] * eq(pow(zs[j]), alphas) for ext zs (q, 2), alphas (m, 2).

    eq(x, a) = prod_l (x_l a_l + (1 - x_l)(1 - a_l)) = prod_l ((1 - x_l) + a_l (2 x_l - 1)).
    """
    m = alphas.shape[0]
    s0 = _ZERO
    s1 = _ZERO
    for j in range(zs.shape[0]):
        x0 = zs[j, 0]
        x1 = zs[j, 1]
        p0 = _ONE
        p1 = _ZERO
        for l in range(m):
            u0 = gsub(_ONE, x0)  # 1 - x
            u1 = gneg(x1)
            v0 = gsub(gadd(x0, x0), _ONE)  # 2x - 1
            v1 = gadd(x1, x1)
            t0, t1 = emul(alphas[l, 0], alphas[l, 1], v0, v1)
            p0, p1 = emul(p0, p1, gadd(u0, t0), gadd(u1, t1))
            x0, x1 = emul(x0, x1, x0, x1)
        t0, t1 = emul(p0, p1, coeffs[j, 0], coeffs[j, 1])
        s0 = gadd(s0, t0)
        s1 = gadd(s1, t1)
    return s0, s1


@kernel
def ext_powers(g0, g1, count, start):
    """(count, 2) array of g^start, g^(start+1), ..."""
    out = np.empty((count, 2), dtype=np.uint64)
    a0 = _ONE
    a1 = _ZERO
    for _ in range(start):
        a0, a1 = emul(a0, a1, g0, g1)
    for i in range(count):
        out[i, 0] = a0
        out[i, 1] = a1
        a0, a1 = emul(a0, a1, g0, g1)
    return out


@kernel
def ext_dot(a, b):
    """sum_i a[i] * b[i] over ext arrays (q, 2)."""
    s0 = _ZERO
    s1 = _ZERO
    for i in range(a.shape[0]):
        m0, m1 = emul(a[i, 0], a[i, 1], b[i, 0], b[i, 1])
        s0 = gadd(s0, m0)
        s1 = gadd(s1, m1)
    return s0, s1


# ---------------------------------------------------------------- folding fibers


@kernel
def fold_fibers(rows, is_ext, qs, alphas, w_inv, zeta_inv, out):
    """Fold(f, alphas)(z_q) from the 2^k values of f on each fiber {y : y^(2^k) = z_q}.

    Row t holds f(y0 zeta^s), s < 2^k, with y0 = omega^q (omega generating the domain L,
    zeta = omega^(|L| / 2^k)); ``w_inv`` = omega^-1, ``zeta_inv[s]`` = zeta^-s. Each level
    pairs y with -y = y zeta^(2^(k-1)) and applies (ACFY24 Def. 4.13, k = 1)

        Fold(f, a)(y^2) = (f(y) + f(-y)) / 2 + a (f(y) - f(-y)) / (2 y),

    with a = alphas[l] at level l (x_l is bound first, matching the sumcheck order).
    """
    k = alphas.shape[0]
    size0 = 1 << k
    v = np.empty((size0, 2), dtype=np.uint64)
    for t in range(qs.shape[0]):
        for s in range(size0):
            if is_ext:
                v[s, 0] = rows[t, 2 * s]
                v[s, 1] = rows[t, 2 * s + 1]
            else:
                v[s, 0] = rows[t, s]
                v[s, 1] = _ZERO
        yinv = gpow(w_inv, np.uint64(qs[t]))
        size = size0
        for l in range(k):
            half = size // 2
            a0 = alphas[l, 0]
            a1 = alphas[l, 1]
            for s in range(half):
                zi = zeta_inv[((s << l) & (size0 - 1))]
                yi = gmul(gmul(yinv, zi), INV2)  # 1 / (2 y)
                lo0 = v[s, 0]
                lo1 = v[s, 1]
                hi0 = v[s + half, 0]
                hi1 = v[s + half, 1]
                e0 = gmul(gadd(lo0, hi0), INV2)
                e1 = gmul(gadd(lo1, hi1), INV2)
                o0 = gmul(gsub(lo0, hi0), yi)
                o1 = gmul(gsub(lo1, hi1), yi)
                m0, m1 = emul(o0, o1, a0, a1)
                v[s, 0] = gadd(e0, m0)
                v[s, 1] = gadd(e1, m1)
            yinv = gmul(yinv, yinv)
            size = half
        out[t, 0] = v[0, 0]
        out[t, 1] = v[0, 1]


@kernel
def powers_base(g, count):
    out = np.empty(count, dtype=np.uint64)
    a = _ONE
    for i in range(count):
        out[i] = a
        a = gmul(a, g)
    return out


@kernel
def base_pows_at(g, exps):
    """out[j] = g^exps[j]."""
    out = np.empty(exps.shape[0], dtype=np.uint64)
    for j in range(exps.shape[0]):
        out[j] = gpow(g, np.uint64(exps[j]))
    return out
