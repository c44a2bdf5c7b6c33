"""Rasch (1PL) item difficulties by marginal maximum likelihood, from the tally's groups.

Model: P(person answers item i fully correctly | theta) = 1 / (1 + exp(-a (theta - b_i))),
a = 1 (the Rasch model; ``discrimination`` only exists to compare with published fits that fix
another slope, e.g. 1.702), theta ~ N(0, 1) fixed, so the b_i are on the ability scale of this
cohort. Partial-credit items are dichotomised: full marks = 1, anything else = 0.

Why groups are enough: a person's likelihood is exp(a r theta - a sum_i x_i b_i) / prod_i (1 +
exp(a (theta - b_i))) over the items of their paper, so the marginal log-likelihood

    l(b) = -a sum_i s_i b_i + sum_(paper, r) n_(paper, r) log sum_q w_q exp(a r t_q) / prod_i
           (1 + exp(a (t_q - b_i)))

depends on the data only through s_i (persons fully correct on item i) and the number of
persons with each (paper, r). Its gradient and exact Hessian (E_g = posterior mean of group g
over the nodes t_q):

    dl/db_i = a (sum_g n_g E_g[P_i] - s_i)
    d2l/db_i db_j = a^2 sum_g n_g (Cov_g(P_i, P_j) - [i = j] E_g[P_i Q_i])

Newton-Raphson on that Hessian, halving the step while l does not increase; standard errors are
the square roots of the diagonal of the inverse observed information (-Hessian) at the optimum.
Integrals: Gauss-Hermite with ``NODES`` = 61 probabilists' nodes. An item everyone (or no one)
who saw it answered fully correctly has no finite estimate: it is reported with b None and a
reason, and the others are fitted without it (an item always right adds 1 to each r of its
papers, so those r are lowered by one).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from exam_app.stats.tally import ItemKey, Paper, Tally, paper_of

FloatArray = npt.NDArray[np.float64]
NODES = 61
EVERYONE_CORRECT = "everyone who saw it answered it fully correctly"
NOBODY_CORRECT = "nobody who saw it answered it fully correctly"


@dataclass(frozen=True)
class RaschItem:
    key: ItemKey
    n: int  #: persons who saw it
    correct: int  #: of them, fully correct
    b: float | None
    se: float | None
    reason: str | None = None  #: why b is None


@dataclass(frozen=True)
class RaschFit:
    items: tuple[RaschItem, ...]
    log_likelihood: float
    iterations: int
    converged: bool
    nodes: int

    def difficulty(self) -> dict[ItemKey, float]:
        """The finite difficulties: a warm start for the next fit."""
        return {item.key: item.b for item in self.items if item.b is not None}


def fit_from_tally(tally: Tally, start: Mapping[ItemKey, float] | None = None) -> RaschFit | None:
    """None when the tally dropped its groups (too many papers): refit from the sheets."""
    if tally.groups is None:
        return None
    correct = {key: sum(counter.values()) for key, counter in tally.correct.items()}
    return fit(tally.groups, correct, start=start)


def groups_from_matrix(
    keys: tuple[ItemKey, ...], right: npt.NDArray[np.float64]
) -> tuple[dict[Paper, Counter[int]], dict[ItemKey, int]]:
    """The groups and correct totals of a persons x items 0/1 matrix (NaN = not on the paper)."""
    groups: dict[Paper, Counter[int]] = {}
    seen = ~np.isnan(right)
    scores = np.nansum(right, axis=1).astype(np.int64)
    for row in range(right.shape[0]):
        paper = paper_of(keys[j] for j in np.nonzero(seen[row])[0].tolist())
        groups.setdefault(paper, Counter())[int(scores[row])] += 1
    correct = {key: int(np.nansum(right[:, j])) for j, key in enumerate(keys)}
    return groups, correct


def fit(
    groups: Mapping[Paper, Mapping[int, int]],
    correct: Mapping[ItemKey, int],
    *,
    start: Mapping[ItemKey, float] | None = None,
    discrimination: float = 1.0,
    nodes: int = NODES,
    tolerance: float = 1e-8,
    max_iterations: int = 100,
) -> RaschFit:
    a = discrimination
    seen: Counter[ItemKey] = Counter()
    for paper, by_r in groups.items():
        for key in paper:
            seen[key] += sum(by_r.values())
    fixed: dict[ItemKey, str] = {}
    for key, n in seen.items():
        right = correct.get(key, 0)
        if right >= n:
            fixed[key] = EVERYONE_CORRECT
        elif right <= 0:
            fixed[key] = NOBODY_CORRECT
    free = sorted((k for k in seen if k not in fixed), key=lambda k: (isinstance(k, str), k))
    index = {key: i for i, key in enumerate(free)}
    reduced = _reduce(groups, index, fixed)
    theta, weights = np.polynomial.hermite_e.hermegauss(nodes)
    weights = weights / math.sqrt(2 * math.pi)
    s = np.array([correct.get(k, 0) for k in free], dtype=np.float64)
    b = _start(free, s, np.array([seen[k] for k in free], np.float64), a, start)
    model = _Model(reduced, s, theta, np.log(weights), a, len(free))

    value, gradient, hessian = model.evaluate(b)
    converged, iterations = not free, 0
    while free and iterations < max_iterations:
        iterations += 1
        step = _newton_step(gradient, hessian)
        scale = 1.0
        while True:
            trial = b + scale * step
            trial_value, trial_gradient, trial_hessian = model.evaluate(trial)
            if trial_value >= value - 1e-12 or scale < 1e-6:
                break
            scale /= 2
        b, value, gradient, hessian = trial, trial_value, trial_gradient, trial_hessian
        if np.max(np.abs(scale * step)) < tolerance or np.max(np.abs(gradient)) < tolerance:
            converged = True
            break
    errors = _standard_errors(hessian) if free else np.zeros(0)
    items = []
    for key in sorted(seen, key=lambda k: (isinstance(k, str), k)):
        if key in fixed:
            items.append(RaschItem(key, seen[key], correct.get(key, 0), None, None, fixed[key]))
        else:
            i = index[key]
            se = float(errors[i]) if np.isfinite(errors[i]) else None
            items.append(RaschItem(key, seen[key], correct.get(key, 0), float(b[i]), se))
    return RaschFit(tuple(items), float(value), iterations, converged, nodes)


@dataclass(frozen=True)
class _Group:
    columns: npt.NDArray[np.int64]  #: free items of the paper
    r: FloatArray  #: number correct among them
    n: FloatArray  #: persons


def _reduce(
    groups: Mapping[Paper, Mapping[int, int]],
    index: Mapping[ItemKey, int],
    fixed: Mapping[ItemKey, str],
) -> list[_Group]:
    """Papers without their fixed items; each r less the always-right items it counts."""
    merged: dict[tuple[int, ...], Counter[int]] = {}
    for paper, by_r in groups.items():
        always = sum(1 for key in paper if fixed.get(key) == EVERYONE_CORRECT)
        columns = tuple(sorted(index[key] for key in paper if key in index))
        if not columns:
            continue
        target = merged.setdefault(columns, Counter())
        for r, count in by_r.items():
            target[r - always] += count
    return [
        _Group(
            np.array(columns, np.int64),
            np.array(list(by_r), np.float64),
            np.array(list(by_r.values()), np.float64),
        )
        for columns, by_r in merged.items()
    ]


def _start(
    free: list[ItemKey],
    s: FloatArray,
    n: FloatArray,
    a: float,
    start: Mapping[ItemKey, float] | None,
) -> FloatArray:
    """A warm start where given; else the logistic-normal approximation
    logit p ~ -a b / sqrt(1 + pi a^2 / 8)."""
    p = s / n
    guess = -np.log(p / (1 - p)) * math.sqrt(1 + math.pi * a * a / 8) / a
    if start:
        guess = np.array([start.get(k, g) for k, g in zip(free, guess.tolist(), strict=True)])
    return np.asarray(guess, np.float64)


class _Model:
    def __init__(
        self,
        groups: list[_Group],
        s: FloatArray,
        theta: FloatArray,
        log_weights: FloatArray,
        a: float,
        size: int,
    ) -> None:
        self.groups, self.s, self.theta, self.log_weights = groups, s, theta, log_weights
        self.a, self.size = a, size

    def evaluate(self, b: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        a, theta = self.a, self.theta
        value = -a * float(self.s @ b)
        expected = np.zeros(self.size)
        hessian = np.zeros((self.size, self.size))
        for group in self.groups:
            logits = a * (theta[:, None] - b[group.columns][None, :])  # nodes x items
            p = 1 / (1 + np.exp(-logits))
            log_denominator = np.logaddexp(0, logits).sum(axis=1)  # log prod (1 + e^logit)
            log_post = (
                self.log_weights[None, :] + a * group.r[:, None] * theta[None, :] - log_denominator
            )
            top = log_post.max(axis=1, keepdims=True)
            mass = np.exp(log_post - top)
            total = mass.sum(axis=1, keepdims=True)
            value += float((group.n * (np.log(total[:, 0]) + top[:, 0])).sum())
            posterior = mass / total  # groups x nodes
            means = posterior @ p  # E_g[P_i]
            node_mass = group.n @ posterior
            cols = group.columns
            expected[cols] += group.n @ means
            second = (p * node_mass[:, None]).T @ p - (means * group.n[:, None]).T @ means
            block = hessian[np.ix_(cols, cols)]
            block += second
            block[np.diag_indices(len(cols))] -= node_mass @ (p * (1 - p))
            hessian[np.ix_(cols, cols)] = block
        gradient = a * (expected - self.s)
        return value, gradient, a * a * hessian


def _newton_step(gradient: FloatArray, hessian: FloatArray) -> FloatArray:
    """Solve (-H) d = g; where -H is not positive definite, damp it until it is."""
    information = -hessian
    damping = 0.0
    for _ in range(30):
        try:
            factor = np.linalg.cholesky(information + damping * np.eye(len(gradient)))
        except np.linalg.LinAlgError:
            damping = max(2 * damping, 1e-6 * max(1.0, float(np.abs(information).max())))
            continue
        return np.asarray(np.linalg.solve(factor.T, np.linalg.solve(factor, gradient)), np.float64)
    return gradient / max(1.0, float(np.abs(gradient).max()))


def _standard_errors(hessian: FloatArray) -> FloatArray:
    try:
        covariance = np.linalg.inv(-hessian)
    except np.linalg.LinAlgError:
        return np.full(len(hessian), np.nan)
    diagonal = np.diag(covariance)
    return np.where(diagonal > 0, np.sqrt(np.abs(diagonal)), np.nan)
