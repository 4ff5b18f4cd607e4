"""Every security parameter of the polynomial commitment, and the soundness it gives.

:class:`PcsParams` holds the WHIR parameters (rate, folding factors, queries and grinding per
iteration, out-of-domain samples); :meth:`PcsParams.security` COMPUTES the round-by-round
soundness error of every round of the protocol for a given number of variables from the
formulas below, all in the proven unique-decoding regime. See docs/SECURITY.md.

Notation (WHIR, ACFY24 = ePrint 2024/1586, Construction 5.1 and Theorem 5.2): field
F = F_p2, |F| = p^2 ~ 2^128; iteration i = 0..M-1 works on a function f_i : L_i -> F that
should be a Reed-Solomon codeword of a multilinear polynomial in m_i variables, rate
rho_i = 2^(m_i) / |L_i| = 2^-r_i; it folds k_i variables, and the next domain is
L_(i+1) = L_i^(2^s) with s = min(domain_shrink, k_i), so r_(i+1) = r_i + k_i - s. The proximity parameter is taken strictly inside
the unique-decoding radius: delta_i = (1 - rho_i) / 2 - 1 / |L_i|, so every list size is 1.

Errors (each may be divided by 2^g for g bits of grinding placed just before that round's
verifier message):

* batching of c claims with powers of one challenge:       (c - 1) / |F|
* fold round s = 1..k_i of iteration i (sumcheck + folding):
  d / |F| + |L_i| / (2^s |F|)   (d = 3; the second term is the unique-decoding proximity-gap
  error n / |F| of BCIKS20 Thm 1.2/4.1 for the code RS[L_i^(2^s)], as used in ACFY24 Thm 5.2)
* out-of-domain samples of iteration i >= 1 (w samples):   (2^(m_i) / (2 |F|))^w
* shift queries of iteration i >= 1 (t_(i-1) queries on f_(i-1)):
  (1 - delta_(i-1))^(t_(i-1)) + (t_(i-1) + 1) / |F|
* final queries (t_(M-1) on f_(M-1), checked against the polynomial sent in the clear):
  (1 - delta_(M-1))^(t_(M-1))
* final sumcheck round (one per remaining variable):        d / |F|

Opening J > 1 commitments together (:func:`veriml.pcs.whir.open_many`) adds, before the
iterations, n claim-reduction sumcheck rounds (degree 2: 2 / |F| each) and the combination
G = sum_j mu^j F_j': (J - 1) |L_0| / |F| (unique-decoding proximity gap of the curve,
BCIKS20 Thm 1.2/4.1) + (J - 1) / |F| (wrong reduced evaluations surviving mu).

The round-by-round (RBR) soundness is the largest of these; Fiat-Shamir in the random oracle
model then costs about log2 of the number of hash queries (BCS16, CCHLRR18 / CY24). We also
report the sum (the plain soundness error of the interactive protocol).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = ["PcsParams", "SecurityReport", "FIELD_BITS", "queries_for"]

P = 0xFFFFFFFF00000001
FIELD_SIZE = P * P  # |F_p2|
FIELD_BITS = math.log2(FIELD_SIZE)
SUMCHECK_DEGREE = 3  # d = max(d*, 3) in ACFY24 Construction 5.1
GRIND_MAX = 18  # grinding bits of the defaults (every iteration)
GRIND_LAG = 4  # PcsParams.for_size: grind min(GRIND_MAX, n - GRIND_LAG) bits for 2^n values


def _bits(err: float) -> float:
    return math.inf if err <= 0 else -math.log2(err)


def query_bits(log_inv_rate: int, log_domain: int) -> float:
    """Bits of soundness of one query: -log2(1 - delta), delta = (1 - rho)/2 - 1/|L|."""
    rho = 2.0 ** -log_inv_rate
    delta = (1.0 - rho) / 2.0 - 2.0 ** -log_domain
    return -math.log2(1.0 - delta)


def queries_for(target_bits: float, log_inv_rate: int, grinding_bits: int, log_domain: int = 64) -> int:
    """Smallest t with t * query_bits + grinding >= target (for choosing parameters)."""
    need = max(target_bits - grinding_bits, 0.0)
    return max(1, math.ceil(need / query_bits(log_inv_rate, log_domain) - 1e-12))


@dataclass(frozen=True)
class SecurityReport:
    """Bits of security (-log2 of the error) per round, and overall."""

    log_size: int
    rounds: dict = field(default_factory=dict)  # name -> bits

    @property
    def rbr_bits(self) -> float:
        """Round-by-round soundness: the weakest round."""
        return min(self.rounds.values())

    @property
    def union_bits(self) -> float:
        """-log2 of the sum of all round errors (soundness of the interactive protocol)."""
        return -math.log2(sum(2.0 ** -b for b in self.rounds.values()))

    def __str__(self) -> str:
        lines = [f"WHIR PCS, 2^{self.log_size} values, |F| = p^2 (2^{FIELD_BITS:.1f})"]
        for name, b in self.rounds.items():
            lines.append(f"  {name:<24s} {b:7.1f} bits")
        lines.append(f"  round-by-round (min)      {self.rbr_bits:7.1f} bits")
        lines.append(f"  union bound (sum)         {self.union_bits:7.1f} bits")
        return "\n".join(lines)


@dataclass(frozen=True)
class PcsParams:
    """WHIR parameters (ACFY24 Construction 5.1), unique-decoding regime.

    Attributes
    ----------
    log_inv_rate : log2(1/rho_0) of the first code (the committed codeword has 2^(n + r) values).
    folding_factor_first, folding_factor : variables folded in iteration 0 / later iterations
        (a Merkle leaf holds the 2^k values of one fold fiber).
    max_final_vars : iterations continue while more variables remain; the last polynomial
        (at most this many variables) is sent in the clear.
    queries : queries t_i per iteration (the last entry repeats for later iterations).
    grinding_bits : proof-of-work bits before the queries of each iteration (last repeats).
    domain_shrink : each new oracle lives on L_(i+1) = L_i^(2^s), s = min(domain_shrink, k_i):
        a smaller codeword (NTT, Merkle tree, path length) at a smaller rate drop.
    ood_samples : out-of-domain samples per new oracle.
    max_claims : number of claims the batching error is reported for.
    (The number of commitments opened together is an argument of :meth:`security`.)
    min_vars : commitments are zero-padded to at least 2^min_vars values (tiny domains give
        weaker queries, since delta_i = (1 - rho_i)/2 - 1/|L_i|).
    """

    log_inv_rate: int = 2
    folding_factor_first: int = 4
    folding_factor: int = 4
    max_final_vars: int = 11
    queries: tuple = (123, 101, 93, 87)
    grinding_bits: tuple = (GRIND_MAX,)
    domain_shrink: int = 3
    ood_samples: int = 1
    max_claims: int = 1 << 20
    min_vars: int = 8

    @classmethod
    def default(cls) -> "PcsParams":
        """>= 101.13 bits round by round up to 2^24 values, >= 100 for the union bound up to
        2^22, with one or two commitments opened together (docs/SECURITY.md)."""
        return cls()

    @classmethod
    def for_size(cls, log_size: int) -> "PcsParams":
        """The defaults with grinding scaled to a commitment of 2^log_size values.

        Grinding 18 bits costs ~2^18 Keccak calls (~33 ms on one core) per iteration whatever
        the size: most of the work of proving a small model. So ``g = min(18, n - GRIND_LAG)``
        bits (at most 2^(n - 4) hashes, ~2 ns per committed value), and the query counts are
        recomputed so that every round keeps at least the bits the defaults give at that size
        (more queries: small trees, short paths). n >= 22 gets the defaults unchanged.
        """
        n = max(int(log_size), cls.min_vars)
        g = min(GRIND_MAX, max(0, n - GRIND_LAG))
        base = cls.default()
        if g >= base.grinding_bits[0]:
            return base
        need = base.security_bits(n)
        p = cls.for_security(need, grinding_bits=(g,))
        while p.security_bits(n) < need:  # for_security ignores the -1/|L| of tiny domains
            p = cls(**{**p.__dict__, "queries": tuple(q + 1 for q in p.queries)})
        return p

    @classmethod
    def for_security(cls, target_bits: float = 100.0, **kw) -> "PcsParams":
        """Parameters whose query counts are the smallest meeting ``target_bits`` per round."""
        base = cls(**kw)
        ks = [base.folding_factor_first] + [base.folding_factor] * 8
        r = base.log_inv_rate
        qs = []
        for i in range(len(ks)):
            g = base.grinding_bits[min(i, len(base.grinding_bits) - 1)]
            qs.append(queries_for(target_bits, r, g))
            r += ks[i] - min(base.domain_shrink, ks[i])
        return cls(**{**kw, "queries": tuple(qs)})

    # ------------------------------------------------------------ schedule

    def __post_init__(self):
        if self.log_inv_rate < 1 or self.folding_factor_first < 1 or self.folding_factor < 1:
            raise ValueError("log_inv_rate and folding factors must be >= 1")
        if self.domain_shrink < 1:
            raise ValueError("domain_shrink must be >= 1")
        if self.max_final_vars < 1:
            raise ValueError("max_final_vars must be >= 1")
        if not self.queries or not self.grinding_bits or self.ood_samples < 0:
            raise ValueError("queries and grinding_bits need at least one entry")
        if min(self.queries) < 1 or not all(0 <= g <= 40 for g in self.grinding_bits):
            raise ValueError("queries must be >= 1 and grinding bits in [0, 40]")

    def folding_schedule(self, n: int) -> list[int]:
        """Folding factors k_0 .. k_(M-1) for a polynomial in n >= 1 variables.

        k_0 = min(k_first, max(n - 1, 1)); then k_i = min(k, m_i - 1) while m_i > max_final_vars.
        At least one variable is left for the final sumcheck whenever n >= 2.
        """
        if n < 1:
            raise ValueError("need at least one variable")
        ks = [min(self.folding_factor_first, max(n - 1, 1))]
        m = n - ks[0]
        while m > self.max_final_vars:
            k = min(self.folding_factor, m - 1)
            ks.append(k)
            m -= k
        return ks

    def queries_at(self, i: int) -> int:
        return self.queries[min(i, len(self.queries) - 1)]

    def grinding_at(self, i: int) -> int:
        return self.grinding_bits[min(i, len(self.grinding_bits) - 1)]

    def log_inv_rates(self, n: int) -> list[int]:
        """r_i for each iteration: r_(i+1) = r_i + k_i - min(domain_shrink, k_i)."""
        rs = [self.log_inv_rate]
        for k in self.folding_schedule(n)[:-1]:
            rs.append(rs[-1] + k - min(self.domain_shrink, k))
        return rs

    # ------------------------------------------------------------ soundness

    def committed_vars(self, n: int) -> int:
        """Variables of the committed (stacked, padded) table for 2^n values."""
        return max(n, self.min_vars, 1)

    def security(self, n: int, num_claims: int | None = None, num_commitments: int = 2) -> SecurityReport:
        """Compute the soundness (bits) of every round for an opening of 2^n values (the
        largest of ``num_commitments`` commitments opened together; the model prover opens
        the witness and the weights together, hence the default 2)."""
        n = self.committed_vars(n)
        c = self.max_claims if num_claims is None else num_claims
        ks = self.folding_schedule(n)
        rs = self.log_inv_rates(n)
        if n + rs[0] > 32:
            raise ValueError(f"2^{n + rs[0]} exceeds the 2-adicity 32 of Goldilocks")
        big = float(FIELD_SIZE)
        rounds: dict[str, float] = {}
        if c > 1:
            rounds["batch claims"] = _bits((c - 1) / big)
        if num_commitments > 1:
            for j in range(n):
                rounds[f"claim reduction {j}"] = _bits(2 / big)
            rounds["combine commitments"] = _bits((num_commitments - 1) * (2.0 ** (n + rs[0]) + 1) / big)
        m = n
        for i, k in enumerate(ks):
            log_l = m + rs[i]
            if i >= 1:
                prev_log_l = (m + ks[i - 1]) + rs[i - 1]
                if self.ood_samples:
                    rounds[f"ood(i={i})"] = _bits((2.0 ** m / (2 * big)) ** self.ood_samples)
                else:
                    rounds[f"ood(i={i})"] = 0.0
                t = self.queries_at(i - 1)
                err = (1 - self._delta(rs[i - 1], prev_log_l)) ** t + (t + 1) / big
                rounds[f"shift(i={i})"] = _bits(err) + self.grinding_at(i - 1)
            for s in range(1, k + 1):
                err = SUMCHECK_DEGREE / big + 2.0 ** (log_l - s) / big
                rounds[f"fold(i={i},s={s})"] = _bits(err)
            m -= k
        last = len(ks) - 1
        t = self.queries_at(last)
        log_l_last = (m + ks[last]) + rs[last]
        err = (1 - self._delta(rs[last], log_l_last)) ** t
        rounds["final queries"] = _bits(err) + self.grinding_at(last)
        for j in range(m):
            rounds[f"final sumcheck {j}"] = _bits(SUMCHECK_DEGREE / big)
        return SecurityReport(log_size=n, rounds=rounds)

    @staticmethod
    def _delta(log_inv_rate: int, log_domain: int) -> float:
        return (1.0 - 2.0 ** -log_inv_rate) / 2.0 - 2.0 ** -log_domain

    def security_bits(self, n: int, num_commitments: int = 2) -> float:
        """Round-by-round bits for 2^n values (the weakest round)."""
        return self.security(n, num_commitments=num_commitments).rbr_bits


def sized_table(sizes=range(8, 25)) -> str:
    """The Markdown table of :meth:`PcsParams.for_size` per size (docs/SECURITY.md)."""
    d = PcsParams.default()
    rows = ["| 2^n values | grinding g_i | queries t_i (per iteration) | bits (round by round) | defaults' bits |",
            "|---|---|---|---|---|"]
    for n in sizes:
        p = PcsParams.for_size(n)
        iters = len(p.folding_schedule(p.committed_vars(n)))
        qs = ", ".join(str(p.queries_at(i)) for i in range(iters))
        rows.append(f"| 2^{n} | {p.grinding_bits[0]} | {qs} | {p.security_bits(n):.2f} | {d.security_bits(n):.2f} |")
    return "\n".join(rows)


if __name__ == "__main__":  # python -m veriml.security: the sized parameters per commitment size
    print(sized_table())
