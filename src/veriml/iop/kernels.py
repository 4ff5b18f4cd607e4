"""Numba kernels for sumcheck rounds and fractional-sum (LogUp-GKR) trees.

Every round kernel evaluates, for a set of small integer points x, the sums

    acc[t, x] = sum_{i < M/2} w_i * prod_{j in S_t} f_j(x, i),
    f_j(x, i) = f_j[i] + x * (f_j[M/2 + i] - f_j[i])        (x_0 = MSB convention)

with ``w_i = 1`` when no weight table is given. The caller multiplies by the term
coefficients c_t (few Python operations per round). Extension tables are (M, 2) uint64;
stacked tables are (J, M[, 2]). Constants are ``np.uint64`` (numba would turn a
uint64/int mix into float64); every kernel is serial (see shared/PERF-NOTES.md).
"""

from __future__ import annotations

import numpy as np
from veriml.jit import kernel

from ..field.fast import MASK32, S32, W, emul, gadd, gmul, gsub

ZERO = np.uint64(0)
ONE = np.uint64(1)


# ---------------------------------------------------------------- product of two tables
#
# The product kernels accumulate *unreduced* 128-bit products in three 64-bit words
# (lo, hi, top) and reduce once at the end (:func:`reduce_words`): 2^32 products of
# 128-bit values cannot overflow 192 bits. Extension products use Karatsuba:
# (a0 + a1 x)(b0 + b1 x) = [a0 b0 + 7 a1 b1] + [(a0 + a1)(b0 + b1) - a0 b0 - a1 b1] x,
# so three raw sums are kept per extension value: S(a0 b0), S(a1 b1), S((a0+a1)(b0+b1)).


@kernel(inline="always")
def mul128(a, b):
    """The 128-bit integer product a * b as (hi, lo) (32-bit split; no reduction)."""
    a0 = a & MASK32
    a1 = a >> S32
    b0 = b & MASK32
    b1 = b >> S32
    t0 = a0 * b0
    mid = a0 * b1 + (t0 >> S32)
    mid2 = a1 * b0 + (mid & MASK32)
    lo = (mid2 << S32) | (t0 & MASK32)
    hi = a1 * b1 + (mid >> S32) + (mid2 >> S32)
    return hi, lo


@kernel(inline="always")
def acc3(lo_acc, hi_acc, top, hi, lo):
    """(top, hi_acc, lo_acc) += (hi, lo) as 192-bit integers (hi <= 2^64 - 2: no carry out)."""
    s = lo_acc + lo
    hh = hi + (ONE if s < lo else ZERO)
    s2 = hi_acc + hh
    return s, s2, top + (ONE if s2 < hh else ZERO)


P_INT = 0xFFFFFFFF00000001


def reduce_words(words) -> int:
    """(lo, hi, top) words -> the integer mod p."""
    lo, hi, top = (int(v) for v in words)
    return ((top << 128) | (hi << 64) | lo) % P_INT


def karatsuba_ext(s00, s11, sk) -> tuple[int, int]:
    """Reduced raw sums S(a0 b0), S(a1 b1), S((a0+a1)(b0+b1)) -> the extension sum."""
    return (s00 + 7 * s11) % P_INT, (sk - s00 - s11) % P_INT


@kernel
def prod2_base(f, g):
    """Raw sums [f_lo g_lo, (2 f_hi - f_lo)(2 g_hi - g_lo)] for base tables: s(0), s(2).
    Returns (2, 3) words."""
    half = f.shape[0] // 2
    l0 = h0 = t0 = l2 = h2 = t2 = ZERO
    for i in range(half):
        fl = f[i]
        gl = g[i]
        f2 = gsub(gadd(f[half + i], f[half + i]), fl)
        g2 = gsub(gadd(g[half + i], g[half + i]), gl)
        hi, lo = mul128(fl, gl)
        l0, h0, t0 = acc3(l0, h0, t0, hi, lo)
        hi, lo = mul128(f2, g2)
        l2, h2, t2 = acc3(l2, h2, t2, hi, lo)
    out = np.empty((2, 3), dtype=np.uint64)
    out[0, 0], out[0, 1], out[0, 2] = l0, h0, t0
    out[1, 0], out[1, 1], out[1, 2] = l2, h2, t2
    return out


@kernel
def prod2_ext(f, g):
    """Karatsuba raw sums for s(0) (rows 0-2) and s(2) (rows 3-5) of two extension tables."""
    half = f.shape[0] // 2
    l0 = h0 = t0 = l1 = h1 = t1 = l2 = h2 = t2 = ZERO
    l3 = h3 = t3 = l4 = h4 = t4 = l5 = h5 = t5 = ZERO
    for i in range(half):
        fl0 = f[i, 0]
        fl1 = f[i, 1]
        gl0 = g[i, 0]
        gl1 = g[i, 1]
        f20 = gsub(gadd(f[half + i, 0], f[half + i, 0]), fl0)
        f21 = gsub(gadd(f[half + i, 1], f[half + i, 1]), fl1)
        g20 = gsub(gadd(g[half + i, 0], g[half + i, 0]), gl0)
        g21 = gsub(gadd(g[half + i, 1], g[half + i, 1]), gl1)
        hi, lo = mul128(fl0, gl0)
        l0, h0, t0 = acc3(l0, h0, t0, hi, lo)
        hi, lo = mul128(fl1, gl1)
        l1, h1, t1 = acc3(l1, h1, t1, hi, lo)
        hi, lo = mul128(gadd(fl0, fl1), gadd(gl0, gl1))
        l2, h2, t2 = acc3(l2, h2, t2, hi, lo)
        hi, lo = mul128(f20, g20)
        l3, h3, t3 = acc3(l3, h3, t3, hi, lo)
        hi, lo = mul128(f21, g21)
        l4, h4, t4 = acc3(l4, h4, t4, hi, lo)
        hi, lo = mul128(gadd(f20, f21), gadd(g20, g21))
        l5, h5, t5 = acc3(l5, h5, t5, hi, lo)
    return np.array([[l0, h0, t0], [l1, h1, t1], [l2, h2, t2],
                     [l3, h3, t3], [l4, h4, t4], [l5, h5, t5]], dtype=np.uint64)


@kernel
def prod2_ext_base(f, g):
    """Raw sums [f0 g, f1 g] at x = 0 (rows 0-1) and x = 2 (rows 2-3), ``g`` a base table."""
    half = f.shape[0] // 2
    l0 = h0 = t0 = l1 = h1 = t1 = l2 = h2 = t2 = l3 = h3 = t3 = ZERO
    for i in range(half):
        fl0 = f[i, 0]
        fl1 = f[i, 1]
        gl = g[i]
        f20 = gsub(gadd(f[half + i, 0], f[half + i, 0]), fl0)
        f21 = gsub(gadd(f[half + i, 1], f[half + i, 1]), fl1)
        g2 = gsub(gadd(g[half + i], g[half + i]), gl)
        hi, lo = mul128(fl0, gl)
        l0, h0, t0 = acc3(l0, h0, t0, hi, lo)
        hi, lo = mul128(fl1, gl)
        l1, h1, t1 = acc3(l1, h1, t1, hi, lo)
        hi, lo = mul128(f20, g2)
        l2, h2, t2 = acc3(l2, h2, t2, hi, lo)
        hi, lo = mul128(f21, g2)
        l3, h3, t3 = acc3(l3, h3, t3, hi, lo)
    return np.array([[l0, h0, t0], [l1, h1, t1], [l2, h2, t2], [l3, h3, t3]], dtype=np.uint64)


@kernel
def fold_ext(t, r0, r1):
    """f[i] + r (f[M/2 + i] - f[i]) for an extension table, with 7 r1 precomputed."""
    half = t.shape[0] // 2
    out = np.empty((half, 2), dtype=np.uint64)
    r1w = gmul(r1, W)
    for i in range(half):
        d0 = gsub(t[half + i, 0], t[i, 0])
        d1 = gsub(t[half + i, 1], t[i, 1])
        out[i, 0] = gadd(t[i, 0], gadd(gmul(d0, r0), gmul(d1, r1w)))
        out[i, 1] = gadd(t[i, 1], gadd(gmul(d0, r1), gmul(d1, r0)))
    return out


# ---------------------------------------------------------------- quadratic forms


@kernel
def quad_ext(tabs, pa, pb, w, weighted, pts):
    """acc[t, k] = sum_i w_i f_{pa[t]}(pts[k], i) f_{pb[t]}(pts[k], i); tabs is (J, M, 2)."""
    half = tabs.shape[1] // 2
    nt = pa.shape[0]
    npts = pts.shape[0]
    acc = np.zeros((nt, npts, 2), dtype=np.uint64)
    for i in range(half):
        for t in range(nt):
            a = pa[t]
            b = pb[t]
            al0 = tabs[a, i, 0]
            al1 = tabs[a, i, 1]
            bl0 = tabs[b, i, 0]
            bl1 = tabs[b, i, 1]
            ad0 = gsub(tabs[a, half + i, 0], al0)
            ad1 = gsub(tabs[a, half + i, 1], al1)
            bd0 = gsub(tabs[b, half + i, 0], bl0)
            bd1 = gsub(tabs[b, half + i, 1], bl1)
            for k in range(npts):
                x = pts[k]
                if x == ZERO:
                    u0 = al0
                    u1 = al1
                    v0 = bl0
                    v1 = bl1
                else:
                    u0 = gadd(al0, gmul(x, ad0))
                    u1 = gadd(al1, gmul(x, ad1))
                    v0 = gadd(bl0, gmul(x, bd0))
                    v1 = gadd(bl1, gmul(x, bd1))
                m0, m1 = emul(u0, u1, v0, v1)
                if weighted:
                    m0, m1 = emul(m0, m1, w[i, 0], w[i, 1])
                acc[t, k, 0] = gadd(acc[t, k, 0], m0)
                acc[t, k, 1] = gadd(acc[t, k, 1], m1)
    return acc


@kernel
def quad_base(tabs, pa, pb, w, weighted, pts):
    """As :func:`quad_ext` for base tables (J, M): products in F_p, weights in F_p2."""
    half = tabs.shape[1] // 2
    nt = pa.shape[0]
    npts = pts.shape[0]
    acc = np.zeros((nt, npts, 2), dtype=np.uint64)
    for i in range(half):
        for t in range(nt):
            a = pa[t]
            b = pb[t]
            al = tabs[a, i]
            bl = tabs[b, i]
            ad = gsub(tabs[a, half + i], al)
            bd = gsub(tabs[b, half + i], bl)
            for k in range(npts):
                x = pts[k]
                if x == ZERO:
                    m = gmul(al, bl)
                else:
                    m = gmul(gadd(al, gmul(x, ad)), gadd(bl, gmul(x, bd)))
                if weighted:
                    acc[t, k, 0] = gadd(acc[t, k, 0], gmul(m, w[i, 0]))
                    acc[t, k, 1] = gadd(acc[t, k, 1], gmul(m, w[i, 1]))
                else:
                    acc[t, k, 0] = gadd(acc[t, k, 0], m)
    return acc


# ---------------------------------------------------------------- generic products


@kernel
def generic_ext(tabs, ptr, idx, w, weighted, pts):
    """acc[t, k] = sum_i w_i prod_{j in S_t} f_j(pts[k], i), S_t = idx[ptr[t]:ptr[t+1]]."""
    nj = tabs.shape[0]
    half = tabs.shape[1] // 2
    nt = ptr.shape[0] - 1
    npts = pts.shape[0]
    acc = np.zeros((nt, npts, 2), dtype=np.uint64)
    vals = np.empty((nj, npts, 2), dtype=np.uint64)
    for i in range(half):
        for j in range(nj):
            l0 = tabs[j, i, 0]
            l1 = tabs[j, i, 1]
            d0 = gsub(tabs[j, half + i, 0], l0)
            d1 = gsub(tabs[j, half + i, 1], l1)
            for k in range(npts):
                x = pts[k]
                vals[j, k, 0] = gadd(l0, gmul(x, d0))
                vals[j, k, 1] = gadd(l1, gmul(x, d1))
        for t in range(nt):
            for k in range(npts):
                m0 = ONE
                m1 = ZERO
                if weighted:
                    m0 = w[i, 0]
                    m1 = w[i, 1]
                for e in range(ptr[t], ptr[t + 1]):
                    j = idx[e]
                    m0, m1 = emul(m0, m1, vals[j, k, 0], vals[j, k, 1])
                acc[t, k, 0] = gadd(acc[t, k, 0], m0)
                acc[t, k, 1] = gadd(acc[t, k, 1], m1)
    return acc


# ---------------------------------------------------------------- folds


@kernel
def fold_stack_ext(tabs, r0, r1):
    """out[j, i] = f_j[i] + r (f_j[M/2 + i] - f_j[i]) for stacked extension tables."""
    nj = tabs.shape[0]
    half = tabs.shape[1] // 2
    out = np.empty((nj, half, 2), dtype=np.uint64)
    for j in range(nj):
        for i in range(half):
            d0 = gsub(tabs[j, half + i, 0], tabs[j, i, 0])
            d1 = gsub(tabs[j, half + i, 1], tabs[j, i, 1])
            m0, m1 = emul(d0, d1, r0, r1)
            out[j, i, 0] = gadd(tabs[j, i, 0], m0)
            out[j, i, 1] = gadd(tabs[j, i, 1], m1)
    return out


@kernel
def fold_stack_base(tabs, r0, r1):
    """As :func:`fold_stack_ext` for stacked base tables (J, M); the result is extension."""
    nj = tabs.shape[0]
    half = tabs.shape[1] // 2
    out = np.empty((nj, half, 2), dtype=np.uint64)
    for j in range(nj):
        for i in range(half):
            d = gsub(tabs[j, half + i], tabs[j, i])
            out[j, i, 0] = gadd(tabs[j, i], gmul(d, r0))
            out[j, i, 1] = gmul(d, r1)
    return out


@kernel
def half_sum(w):
    """w[i] + w[M/2 + i]: eq(z_{>i}, .) from eq(z_{>=i}, .), since eq(z,0) + eq(z,1) = 1."""
    half = w.shape[0] // 2
    out = np.empty((half, 2), dtype=np.uint64)
    for i in range(half):
        out[i, 0] = gadd(w[i, 0], w[half + i, 0])
        out[i, 1] = gadd(w[i, 1], w[half + i, 1])
    return out


# ---------------------------------------------------------------- fractional-sum trees


@kernel
def frac_layer(p, q):
    """One layer up the fraction tree, pairing the two halves (x_0 = MSB):

    p'(b) = p(0,b) q(1,b) + p(1,b) q(0,b),  q'(b) = q(0,b) q(1,b).
    """
    half = p.shape[0] // 2
    po = np.empty((half, 2), dtype=np.uint64)
    qo = np.empty((half, 2), dtype=np.uint64)
    for i in range(half):
        a0, a1 = emul(p[i, 0], p[i, 1], q[half + i, 0], q[half + i, 1])
        b0, b1 = emul(p[half + i, 0], p[half + i, 1], q[i, 0], q[i, 1])
        po[i, 0] = gadd(a0, b0)
        po[i, 1] = gadd(a1, b1)
        c0, c1 = emul(q[i, 0], q[i, 1], q[half + i, 0], q[half + i, 1])
        qo[i, 0] = c0
        qo[i, 1] = c1
    return po, qo


@kernel
def leaf_denominators(cols, scale, alpha0, alpha1, beta_pows, out):
    """out[i] = alpha - scale * sum_c beta^c cols[c, i] (extension), for one lookup group."""
    nc = cols.shape[0]
    n = cols.shape[1]
    for i in range(n):
        s0 = ZERO
        s1 = ZERO
        for c in range(nc):
            v = gmul(cols[c, i], scale)
            s0 = gadd(s0, gmul(v, beta_pows[c, 0]))
            s1 = gadd(s1, gmul(v, beta_pows[c, 1]))
        out[i, 0] = gsub(alpha0, s0)
        out[i, 1] = gsub(alpha1, s1)


# ---------------------------------------------------------------- full sums


@kernel
def dot_base(f, g):
    acc = ZERO
    for i in range(f.shape[0]):
        acc = gadd(acc, gmul(f[i], g[i]))
    return acc


@kernel
def dot_ext(f, g):
    a0 = ZERO
    a1 = ZERO
    for i in range(f.shape[0]):
        m0, m1 = emul(f[i, 0], f[i, 1], g[i, 0], g[i, 1])
        a0 = gadd(a0, m0)
        a1 = gadd(a1, m1)
    return a0, a1


@kernel
def dot_ext_base(f, g):
    a0 = ZERO
    a1 = ZERO
    for i in range(f.shape[0]):
        a0 = gadd(a0, gmul(f[i, 0], g[i]))
        a1 = gadd(a1, gmul(f[i, 1], g[i]))
    return a0, a1


# ---------------------------------------------------------------- batched fraction-tree layers


@kernel
def frac_round(tabs, w):
    """One round of a batched fractional-sum layer sumcheck (:func:`veriml.iop.gkr.prove_batch`).

    ``tabs`` (4A, M, 2) holds p0, p1, q0, q1 of each of A instances; ``w`` (M/2, 2) is the
    eq weight of the unbound variables after this one. For x in (0, 2) and every instance a:

        out[a, k, 0] = sum_i w_i (p0 q1 + p1 q0)(x_k, i),   out[a, k, 1] = sum_i w_i (q0 q1)(x_k, i),

    with f(x, i) = f[i] + x (f[M/2 + i] - f[i]), so f(2, i) = 2 f[M/2 + i] - f[i].
    """
    na = tabs.shape[0] // 4
    half = tabs.shape[1] // 2
    out = np.zeros((na, 2, 2, 2), dtype=np.uint64)
    for a in range(na):
        b = 4 * a
        n00 = ZERO
        n01 = ZERO
        d00 = ZERO
        d01 = ZERO
        n20 = ZERO
        n21 = ZERO
        d20 = ZERO
        d21 = ZERO
        for i in range(half):
            w0 = w[i, 0]
            w1 = w[i, 1]
            p00 = tabs[b, i, 0]
            p01 = tabs[b, i, 1]
            p10 = tabs[b + 1, i, 0]
            p11 = tabs[b + 1, i, 1]
            q00 = tabs[b + 2, i, 0]
            q01 = tabs[b + 2, i, 1]
            q10 = tabs[b + 3, i, 0]
            q11 = tabs[b + 3, i, 1]
            x0, x1 = emul(p00, p01, q10, q11)
            y0, y1 = emul(p10, p11, q00, q01)
            z0, z1 = emul(q00, q01, q10, q11)
            m0, m1 = emul(gadd(x0, y0), gadd(x1, y1), w0, w1)
            n00 = gadd(n00, m0)
            n01 = gadd(n01, m1)
            m0, m1 = emul(z0, z1, w0, w1)
            d00 = gadd(d00, m0)
            d01 = gadd(d01, m1)
            # values at x = 2: 2 f_hi - f_lo
            h = half + i
            p00 = gsub(gadd(tabs[b, h, 0], tabs[b, h, 0]), p00)
            p01 = gsub(gadd(tabs[b, h, 1], tabs[b, h, 1]), p01)
            p10 = gsub(gadd(tabs[b + 1, h, 0], tabs[b + 1, h, 0]), p10)
            p11 = gsub(gadd(tabs[b + 1, h, 1], tabs[b + 1, h, 1]), p11)
            q00 = gsub(gadd(tabs[b + 2, h, 0], tabs[b + 2, h, 0]), q00)
            q01 = gsub(gadd(tabs[b + 2, h, 1], tabs[b + 2, h, 1]), q01)
            q10 = gsub(gadd(tabs[b + 3, h, 0], tabs[b + 3, h, 0]), q10)
            q11 = gsub(gadd(tabs[b + 3, h, 1], tabs[b + 3, h, 1]), q11)
            x0, x1 = emul(p00, p01, q10, q11)
            y0, y1 = emul(p10, p11, q00, q01)
            z0, z1 = emul(q00, q01, q10, q11)
            m0, m1 = emul(gadd(x0, y0), gadd(x1, y1), w0, w1)
            n20 = gadd(n20, m0)
            n21 = gadd(n21, m1)
            m0, m1 = emul(z0, z1, w0, w1)
            d20 = gadd(d20, m0)
            d21 = gadd(d21, m1)
        out[a, 0, 0, 0] = n00
        out[a, 0, 0, 1] = n01
        out[a, 0, 1, 0] = d00
        out[a, 0, 1, 1] = d01
        out[a, 1, 0, 0] = n20
        out[a, 1, 0, 1] = n21
        out[a, 1, 1, 0] = d20
        out[a, 1, 1, 1] = d21
    return out
