"""Train a tier classifier for routing and measure it leave-one-set-out.

Usage: .venv/bin/python scripts/train_router.py [--write] [--candidates a,b,...]
       [--json FILE] [--forward [--first-runs FILE]]
(needs scikit-learn: `pip install -e '.[train]'`)

Protocol, fixed before any model was fitted:

- Data: the labelled sets of benchmarks/routing (requests.jsonl, unseen.jsonl,
  unseen2 ... unseen5; unseen6 and unseen7 were added after they had been run once,
  blind, on the model fitted on the first six), each row labelled
  fast/standard/frontier. Each set is one group. Outer loop: leave one set out, fit
  on the others, test on it.
- Inline completions always go to the fast tier by design (latency first), in every
  candidate and in the hand router; they are left out of training and their hard rows
  sent lower are counted apart ("inline hard lower").
- Figures per fold and pooled: accuracy, hard (frontier) tasks sent lower among the
  other kinds, over-routed, under-routed, and the weighted saving as
  benchmarks/routing_eval.py reports it (tier primaries' list prices, its default mix).
- Every choice a candidate makes (regularisation C, frontier threshold t) is made by
  an inner leave-one-set-out over the training sets only, minimising a loss fixed
  here: 4 per hard task sent lower, 2 per other request sent lower, 1 per request
  over-routed (sending a hard task to a weaker model costs the developer a retry, and
  more than the tokens saved). Ties go to the larger C, then the larger t. The test
  set is never used to choose anything. The C grid was widened twice, to 100 and then
  to 1000, each time because the inner loops had chosen the largest C of the grid.
- Candidates (logistic regression, lbfgs, class_weight="balanced", fixed seed):
  - `text`: binary TF-IDF word unigrams and bigrams (min_df 2) of the prompt and the
    conversation, plus structure: kind, log prompt and context tokens, attached files,
    conversation turns. Word n-grams only: character n-grams cost more than 0.1 ms a
    request in plain Python on long prompts.
  - `text+signals`: the same plus the hand classifier's signal families fired, its
    score and its hard/specified flags. Those families were written with the first
    six sets in view, so this candidate's held-out figures are optimistic.
  - Decision rules: `argmax`; `asym` (frontier when P(frontier) >= t, else the more
    probable of fast and standard).
  - Combinations with the hand router: `max` (the trained tier may only raise the
    hand router's), `min` (it may only lower it), and, added after the first table,
    `floor` (the hand router's rule that a sign of reasoning depth never goes to the
    cheapest tier).
- Reference: the hand router as it is now. It was tuned with the first six sets in
  view, so its per-fold figures on them are seen, not held out; its first runs on each
  set when it was blind (52.5, 70.0, 55.0, 65.0, 65.0, 60.0, 62.5, 65.0 %) are the
  honest reference.
- The shipped model (if any) is refitted on every set, with C and t chosen by the
  same leave-one-set-out loss over all of them (six sets until unseen6 and unseen7
  had been run once on that model; eight since).

Added after the first leave-one-set-out table, to compare with the hand router as it
met each set: `--forward` fits each candidate only on the sets written before the one
it is tested on (with requests.jsonl alone, its splits stand in for the inner sets),
and with `--first-runs` (from scripts/first_run_tiers.py) prints the hand router of
the commit that added each set, and the more capable of its tier and the model's. The
file must hold every set after the first; for unseen6 and unseen7, whose commit already
defaults to `combined`, the tiers are those of its signals classifier.

Outcome: `text/asym` is shipped (`--write`), refitted on all eight sets since unseen6
and unseen7 were run once on the six-set model. Alone, it beats the hand router's first
runs on every set forward in time, but it sends every short request without context to
the cheapest tier, since no hard task in the sets comes without one; the policy's
default is therefore `combined`, the more capable of its tier and the signals'. Figures
and reasons: docs/routing.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from routing_eval import (  # noqa: E402
    DEFAULT_MIX,
    NOW,
    load_policy,
    tier_primaries,
    to_request,
    weighted_savings,
)

from llmops_ls.config.policy import DEFAULT_POLICY_PATH  # noqa: E402
from llmops_ls.linter.tokens import count_tokens  # noqa: E402
from llmops_ls.routing import trained  # noqa: E402
from llmops_ls.routing.classifier import classify  # noqa: E402
from llmops_ls.routing.features import RequestKind, extract  # noqa: E402
from llmops_ls.routing.router import (  # noqa: E402
    EXPECTED_OUTPUT_TOKENS,
    Caller,
    Decision,
    Router,
)

SETS = (
    "requests",
    "unseen",
    "unseen2",
    "unseen3",
    "unseen4",
    "unseen5",
    "unseen6",
    "unseen7",
)
TIERS = ("fast", "standard", "frontier")
SEED = 0
C_GRID = (1.0, 10.0, 30.0, 100.0, 300.0, 1000.0)
T_GRID = tuple(round(0.10 + 0.05 * i, 2) for i in range(11))  # 0.10 ... 0.60
HARD_LOWER_COST, UNDER_COST, OVER_COST = 4, 2, 1


@dataclass
class Row:
    """One labelled request with what every candidate needs."""

    ident: str
    group: int
    kind: RequestKind
    expected: int
    text: str
    structure: list[float]
    signals: list[float]
    hand: int
    input_tokens: int
    #: One of the 40 rows of requests.jsonl written blind (split "blind").
    blind: bool = False
    #: The row's split within its set (requests.jsonl has four).
    split: str = ""
    cost_by_tier: list[float] = field(default_factory=list)


def load_rows() -> tuple[list[Row], Router]:
    """Every labelled row of the sets, with the hand router's tier."""
    # The hand router: the shipped policy with the hand-written signals.
    router = Router(load_policy(DEFAULT_POLICY_PATH, "signals"), count=count_tokens)
    primaries = tier_primaries(router)
    rows = []
    for group, name in enumerate(SETS):
        path = ROOT / "benchmarks" / "routing" / f"{name}.jsonl"
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            raw = json.loads(line)
            request = to_request(raw)
            features = extract(request, count_tokens)
            classification = classify(features, request.prompt)
            decision = router.route(request, Caller("eval"), NOW)
            assert isinstance(decision, Decision)
            out = EXPECTED_OUTPUT_TOKENS[request.kind]
            rows.append(
                Row(
                    ident=str(raw["id"]),
                    group=group,
                    kind=request.kind,
                    expected=TIERS.index(str(raw["expected"])),
                    text=trained.request_text(request),
                    structure=trained.structure(features),
                    signals=trained.signal_values(features, classification),
                    hand=TIERS.index(decision.tier),
                    input_tokens=features.input_tokens,
                    blind=raw.get("split") == "blind",
                    split=str(raw.get("split", "")),
                    cost_by_tier=[
                        primaries[t].input_cost(features.input_tokens)
                        + primaries[t].output_cost(out)
                        for t in TIERS
                    ],
                )
            )
    return rows, router


@dataclass(frozen=True)
class Candidate:
    """A feature set, a decision rule and a combination with the hand router."""

    name: str
    signals: bool
    rule: str  # "argmax" or "asym"
    combine: str  # "none", "floor", "max" or "min"


CANDIDATES = {
    c.name: c
    for c in (
        Candidate("text/argmax", False, "argmax", "none"),
        Candidate("text/asym", False, "asym", "none"),
        Candidate("text+signals/argmax", True, "argmax", "none"),
        Candidate("text+signals/asym", True, "asym", "none"),
        Candidate("floor/text/argmax", False, "argmax", "floor"),
        Candidate("floor/text/asym", False, "asym", "floor"),
        Candidate("max-hand/text/argmax", False, "argmax", "max"),
        Candidate("max-hand/text/asym", False, "asym", "max"),
        Candidate("min-hand/text/asym", False, "asym", "min"),
        Candidate("max-hand/text+signals/argmax", True, "argmax", "max"),
        Candidate("min-hand/text+signals/asym", True, "asym", "min"),
    )
}


def vectorizer() -> TfidfVectorizer:
    """The text features: the same tokens trained.py computes at run time."""
    return TfidfVectorizer(
        lowercase=True,
        token_pattern=trained.TOKEN_PATTERN,
        ngram_range=(1, 2),
        binary=True,
        min_df=2,
        norm="l2",
        use_idf=True,
        smooth_idf=True,
        sublinear_tf=False,
        dtype=np.float64,
    )


def matrix(
    rows: list[Row], vec: TfidfVectorizer, signals: bool, fit: bool
) -> sparse.csr_matrix:
    """Text, structure and (optionally) hand signals as one sparse matrix."""
    texts = [r.text for r in rows]
    text = vec.fit_transform(texts) if fit else vec.transform(texts)
    dense = [r.structure + (r.signals if signals else []) for r in rows]
    return sparse.hstack([text, sparse.csr_matrix(np.array(dense))]).tocsr()


def fit(
    rows: list[Row], signals: bool, c: float
) -> tuple[TfidfVectorizer, LogisticRegression]:
    """A fitted vectorizer and model on the non-inline rows given."""
    vec = vectorizer()
    x = matrix(rows, vec, signals, fit=True)
    y = np.array([r.expected for r in rows])
    model = LogisticRegression(
        C=c, class_weight="balanced", max_iter=5000, random_state=SEED
    )
    model.fit(x, y)
    return vec, model


def probabilities(
    rows: list[Row], vec: TfidfVectorizer, model: LogisticRegression, signals: bool
) -> np.ndarray:
    """P(tier) for each row, columns in TIERS order (every class is in training)."""
    p = model.predict_proba(matrix(rows, vec, signals, fit=False))
    out = np.zeros((len(rows), len(TIERS)))
    for column, label in enumerate(model.classes_):
        out[:, int(label)] = p[:, column]
    return out


def decide(row: Row, p: np.ndarray | None, cand: Candidate, t: float) -> int:
    """The tier a candidate routes one row to."""
    if row.kind is RequestKind.INLINE_COMPLETION or p is None:
        return 0
    if cand.rule == "asym" and p[2] >= t:
        tier = 2
    elif cand.rule == "asym":
        tier = 0 if p[0] >= p[1] else 1
    else:
        tier = int(np.argmax(p))
    if cand.combine == "floor":
        # The hand router's rule: a sign of reasoning depth is never left to the
        # cheapest tier.
        return max(tier, 1) if row.signals[-2] else tier
    if cand.combine == "max":
        return max(tier, row.hand)
    if cand.combine == "min":
        return min(tier, row.hand)
    return tier


def loss(rows: list[Row], tiers: list[int]) -> int:
    """The selection loss of the protocol (inline completions excluded)."""
    total = 0
    for row, tier in zip(rows, tiers, strict=True):
        if row.kind is RequestKind.INLINE_COMPLETION:
            continue
        if tier < row.expected:
            total += HARD_LOWER_COST if row.expected == 2 else UNDER_COST
        elif tier > row.expected:
            total += OVER_COST
    return total


_OOF: dict[tuple[frozenset[int], bool, float], dict[str, np.ndarray]] = {}


def out_of_fold(rows: list[Row], signals: bool, c: float) -> dict[str, np.ndarray]:
    """Leave-one-set-out probabilities for every non-inline row of `rows`."""
    groups = {r.group for r in rows}
    key = (frozenset(groups), signals, c)
    if key in _OOF:
        return _OOF[key]
    result: dict[str, np.ndarray] = _OOF.setdefault(key, {})
    trainable = [r for r in rows if r.kind is not RequestKind.INLINE_COMPLETION]

    # With a single set to learn from, its splits stand in for the sets.
    def group_of(row: Row) -> str:
        return row.split if len(groups) == 1 else str(row.group)

    for group in sorted({group_of(r) for r in rows}):
        train = [r for r in trainable if group_of(r) != group]
        test = [r for r in trainable if group_of(r) == group]
        vec, model = fit(train, signals, c)
        for row, p in zip(test, probabilities(test, vec, model, signals), strict=True):
            result[row.ident] = p
    return result


def choose(rows: list[Row], cand: Candidate) -> tuple[float, float, int]:
    """C and t by the protocol's loss over a leave-one-set-out of `rows`."""
    best: tuple[int, float, float] | None = None
    for c in C_GRID:
        oof = out_of_fold(rows, cand.signals, c)
        for t in T_GRID if cand.rule == "asym" else (0.0,):
            value = loss(rows, [decide(r, oof.get(r.ident), cand, t) for r in rows])
            key = (value, -c, -t)
            if best is None or key < (best[0], -best[1], -best[2]):
                best = (value, c, t)
    assert best is not None
    return best[1], best[2], best[0]


def metrics(rows: list[Row], tiers: list[int]) -> dict[str, Any]:
    """The protocol's figures for one set of decisions."""
    right = sum(t == r.expected for r, t in zip(rows, tiers, strict=True))
    hard_lower = inline_hard_lower = over = under = standard_lower = 0
    by_kind: dict[RequestKind, list[float]] = {}
    for row, tier in zip(rows, tiers, strict=True):
        if tier < row.expected:
            under += 1
            if row.expected == 2:
                if row.kind is RequestKind.INLINE_COMPLETION:
                    inline_hard_lower += 1
                else:
                    hard_lower += 1
            elif row.kind is not RequestKind.INLINE_COMPLETION:
                standard_lower += 1
        elif tier > row.expected:
            over += 1
        sums = by_kind.setdefault(row.kind, [0.0] * 6)
        values = (
            1.0,
            row.cost_by_tier[tier],
            row.cost_by_tier[2],
            row.cost_by_tier[1],
            row.cost_by_tier[row.expected],
            row.cost_by_tier[0],
        )
        for index, value in enumerate(values):
            sums[index] += value
    hard = sum(
        r.expected == 2 and r.kind is not RequestKind.INLINE_COMPLETION for r in rows
    )
    return {
        "n": len(rows),
        "right": right,
        "accuracy": right / len(rows),
        "hard": hard,
        "hard_lower": hard_lower,
        "inline_hard_lower": inline_hard_lower,
        "over": over,
        "under": under,
        "standard_lower": standard_lower,
        "weighted_saving": weighted_savings(by_kind, DEFAULT_MIX)["weighted_saving"],
    }


def evaluate(rows: list[Row], names: list[str]) -> dict[str, Any]:
    """Leave-one-set-out figures of the hand router and each candidate."""
    table: dict[str, Any] = {}
    pooled_hand: list[int] = []
    folds = sorted({r.group for r in rows})
    table["hand (seen)"] = {
        "folds": [
            metrics(
                [r for r in rows if r.group == g],
                [r.hand for r in rows if r.group == g],
            )
            for g in folds
        ],
    }
    pooled_hand = [r.hand for r in rows]
    table["hand (seen)"]["pooled"] = metrics(rows, pooled_hand)
    table["hand (seen)"]["blind"] = metrics(
        [r for r in rows if r.blind], [r.hand for r in rows if r.blind]
    )
    print_candidate("hand (seen)", table["hand (seen)"])
    for name in names:
        cand = CANDIDATES[name]
        fold_figures = []
        pooled_rows: list[Row] = []
        pooled_tiers: list[int] = []
        for group in folds:
            train = [r for r in rows if r.group != group]
            test = [r for r in rows if r.group == group]
            c, t, inner = choose(train, cand)
            trainable = [
                r for r in train if r.kind is not RequestKind.INLINE_COMPLETION
            ]
            vec, model = fit(trainable, cand.signals, c)
            scored = [r for r in test if r.kind is not RequestKind.INLINE_COMPLETION]
            probs = dict(
                zip(
                    (r.ident for r in scored),
                    probabilities(scored, vec, model, cand.signals),
                    strict=True,
                )
            )
            tiers = [decide(r, probs.get(r.ident), cand, t) for r in test]
            figures = metrics(test, tiers) | {"C": c, "t": t, "inner_loss": inner}
            fold_figures.append(figures)
            pooled_rows += test
            pooled_tiers += tiers
        blind = [
            (r, t) for r, t in zip(pooled_rows, pooled_tiers, strict=True) if r.blind
        ]
        table[name] = {
            "folds": fold_figures,
            "pooled": metrics(pooled_rows, pooled_tiers),
            "blind": metrics([r for r, _ in blind], [t for _, t in blind]),
        }
        print_candidate(name, table[name])
    return table


def print_candidate(name: str, entry: dict[str, Any]) -> None:
    """One candidate's rows of the leave-one-set-out table."""
    print(f"\n{name}")
    print(
        f"  {'test set':<10}{'acc':>7}{'hard lower':>12}{'inline':>8}"
        f"{'std lower':>10}{'over':>6}{'w.saving':>10}{'C':>6}{'t':>6}"
    )
    for name_, f in zip(
        (*SETS, "pooled", "(blind 40)"),
        (*entry["folds"], entry["pooled"], entry["blind"]),
        strict=True,
    ):
        print(
            f"  {name_:<10}{f['accuracy']:>7.1%}{f['hard_lower']:>7} of {f['hard']:<3}"
            f"{f['inline_hard_lower']:>7}{f['standard_lower']:>10}{f['over']:>6}"
            f"{f['weighted_saving']:>10.1%}"
            + (f"{f['C']:>6}{f['t']:>6}" if "C" in f else "")
        )


def forward(
    rows: list[Row], names: list[str], first_runs: dict[str, Any] | None
) -> dict[str, Any]:
    """Each set tested on a model fitted only on the sets written before it, as the
    hand router met each set: the same choice of C and t inside the training sets.
    With `first_runs` (scripts/first_run_tiers.py), the hand router as it was then,
    and the more capable of its tier and the model's (`combined`), on the same rows."""
    table: dict[str, Any] = {}
    print("\nForward in time: fitted on the sets before, tested on the next one")
    print(
        f"  {'router':<28}{'test set':<10}{'acc':>7}{'hard lower':>12}"
        f"{'std lower':>10}{'over':>6}"
    )
    columns: list[tuple[str, Candidate | None, bool]] = []
    if first_runs is not None:
        columns.append(("hand, first run", None, False))
    # The others read the hand router as it is now, tuned on every set.
    clean = [n for n in names if not CANDIDATES[n].signals]
    for name in [n for n in clean if CANDIDATES[n].combine == "none"]:
        columns.append((name, CANDIDATES[name], False))
        if first_runs is not None:
            columns.append((f"combined: hand, {name}", CANDIDATES[name], True))
    missing = [s for s in SETS[1:] if first_runs is not None and s not in first_runs]
    if missing:
        raise SystemExit(f"--first-runs has no tiers for {', '.join(missing)}")
    totals: dict[str, list[int]] = {}
    for label, cand, combined in columns:
        table[label] = []
        for group in range(1, len(SETS)):
            test = [r for r in rows if r.group == group]
            hand = (
                [TIERS.index(first_runs[SETS[group]]["tiers"][r.ident]) for r in test]
                if first_runs is not None
                else []
            )
            if cand is None:
                tiers, c, t = hand, 0.0, 0.0
            else:
                tiers, c, t = _forward_tiers(rows, group, cand)
                if combined:
                    tiers = [max(a, b) for a, b in zip(tiers, hand, strict=True)]
            f = metrics(test, tiers) | {
                "C": c,
                "t": t,
                "tiers": {r.ident: TIERS[x] for r, x in zip(test, tiers, strict=True)},
            }
            table[label].append(f)
            sums = totals.setdefault(label, [0] * 5)
            for index, key in enumerate(
                ("right", "hard_lower", "hard", "standard_lower", "over")
            ):
                sums[index] += f[key]
            print(
                f"  {label:<28}{SETS[group]:<10}{f['accuracy']:>7.1%}"
                f"{f['hard_lower']:>7} of {f['hard']:<3}{f['standard_lower']:>10}"
                f"{f['over']:>6}"
            )
        right, lower, hard, std, over = totals[label]
        n = sum(r.group > 0 for r in rows)
        everything = f"all {len(SETS) - 1}"
        print(
            f"  {label:<28}{everything:<10}{right / n:>7.1%}{lower:>7} of {hard:<3}"
            f"{std:>10}{over:>6}"
        )
    return table


_FORWARD: dict[tuple[int, str], tuple[list[int], float, float]] = {}


def _forward_tiers(
    rows: list[Row], group: int, cand: Candidate
) -> tuple[list[int], float, float]:
    """The candidate's tiers on set `group`, fitted on the sets before it."""
    key = (group, cand.name)
    if key not in _FORWARD:
        train = [r for r in rows if r.group < group]
        test = [r for r in rows if r.group == group]
        c, t, _ = choose(train, cand)
        trainable = [r for r in train if r.kind is not RequestKind.INLINE_COMPLETION]
        vec, model = fit(trainable, cand.signals, c)
        scored = [r for r in test if r.kind is not RequestKind.INLINE_COMPLETION]
        probs = dict(
            zip(
                (r.ident for r in scored),
                probabilities(scored, vec, model, cand.signals),
                strict=True,
            )
        )
        _FORWARD[key] = ([decide(r, probs.get(r.ident), cand, t) for r in test], c, t)
    return _FORWARD[key]


SHIPPED = "text/asym"
WEIGHTS = ROOT / "server" / "llmops_ls" / "routing" / "tier_model.json"
CHECK_ROWS = 8


def _round(value: float) -> float:
    return float(f"{value:.7g}")


def export(rows: list[Row], cand: Candidate) -> dict[str, Any]:
    """The candidate refitted on every row, as the JSON trained.py loads."""
    c, t, inner = choose(rows, cand)
    trainable = [r for r in rows if r.kind is not RequestKind.INLINE_COMPLETION]
    vec, model = fit(trainable, cand.signals, c)
    assert list(model.classes_) == [0, 1, 2]
    names = vec.get_feature_names_out()
    coef = model.coef_
    terms = {
        str(term): [_round(vec.idf_[j]), *(_round(coef[k, j]) for k in range(3))]
        for j, term in enumerate(names)
    }
    dense_names = trained.STRUCTURE_NAMES + (
        trained.SIGNAL_NAMES if cand.signals else ()
    )
    offset = len(names)
    dense = [
        [name, *(_round(coef[k, offset + i]) for k in range(3))]
        for i, name in enumerate(dense_names)
    ]
    assert offset + len(dense) == coef.shape[1]
    step = max(1, len(trainable) // CHECK_ROWS)
    picked = trainable[::step][:CHECK_ROWS]
    probs = probabilities(picked, vec, model, cand.signals)
    checks = [
        {
            "id": r.ident,
            "text": r.text,
            "dense": r.structure + (r.signals if cand.signals else []),
            "probabilities": [_round(v) for v in p],
        }
        for r, p in zip(picked, probs, strict=True)
    ]
    return {
        "format": trained.FORMAT,
        "candidate": cand.name,
        "tiers": list(TIERS),
        "rule": cand.rule,
        "threshold": t,
        "combine": cand.combine,
        "signals": cand.signals,
        "C": c,
        "selection_loss": inner,
        "rows": len(trainable),
        "seed": SEED,
        "intercept": [_round(v) for v in model.intercept_],
        "dense": dense,
        "terms": terms,
        "checks": checks,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", default=",".join(CANDIDATES))
    parser.add_argument("--json", type=Path, help="also write the table here")
    parser.add_argument(
        "--forward",
        action="store_true",
        help="also fit on the sets written before each one and test on it",
    )
    parser.add_argument(
        "--first-runs",
        type=Path,
        help="the hand router's tiers when each set was new "
        "(scripts/first_run_tiers.py), for --forward",
    )
    parser.add_argument(
        "--write", action="store_true", help="refit on every set and write weights"
    )
    args = parser.parse_args()
    rows, _ = load_rows()
    names = [n for n in args.candidates.split(",") if n]
    if args.write:
        data = export(rows, CANDIDATES[SHIPPED])
        model = trained.TierModel(data)
        for check in data["checks"]:
            got = model.probabilities(check["text"], check["dense"])
            worst = max(
                abs(a - b) for a, b in zip(got, check["probabilities"], strict=True)
            )
            assert worst < 1e-5, (check["id"], got, check["probabilities"])
        WEIGHTS.write_text(
            json.dumps(data, separators=(",", ":"), sort_keys=True) + "\n",
            encoding="utf-8",
        )
        print(
            f"wrote {WEIGHTS.relative_to(ROOT)}: {SHIPPED}, C {data['C']}, "
            f"t {data['threshold']}, {len(data['terms'])} terms, "
            f"{WEIGHTS.stat().st_size // 1024} KiB"
        )
    if names:
        table = evaluate(rows, names)
        if args.forward:
            first = json.loads(args.first_runs.read_text()) if args.first_runs else None
            table["forward"] = forward(rows, names, first)
        if args.json:
            args.json.write_text(json.dumps(table, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
