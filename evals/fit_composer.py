"""Fit the extractive composer's weights (assistant/composer.py: Weights) on the DEV split of the eval sets.

For every answerable dev question, the pipeline runs up to the composer's candidates (the sentences of the retrieved
passages, with their features). A candidate's gain is the share of the question's must_include patterns it matches
(0 when the question names expected sources and the candidate is from another). The feature weights are fitted
listwise: they maximise, over the questions, the log of the softmax probability mass on the candidates with gain,
with an L2 pull towards the current weights. Questions where no candidate has gain (retrieval missed) are left out
and counted.

    python evals/fit_composer.py --index /tmp/idx evals/core.yaml evals/corpus-dev.yaml evals/realdocs-dev.yaml
    python evals/fit_composer.py --index /tmp/idx --write evals/core.yaml ...   # print the fitted Weights(...)

Never pass a held-out set: the point of it is that nothing was fitted on it.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import fields
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant import composer  # noqa: E402
from assistant.answering import validate_question  # noqa: E402
from assistant.facade import Assistant  # noqa: E402
from assistant.evaluation import load_eval_set  # noqa: E402
from assistant.settings import Settings  # noqa: E402


def collect(a: Assistant, paths: list[str], counts: dict[str, int] | None = None
            ) -> tuple[list[tuple[np.ndarray, np.ndarray]], dict[str, int]]:
    """(feature matrix, gains) per answerable dev question, and counts of what was kept or skipped."""
    data: list[tuple[np.ndarray, np.ndarray]] = []
    counts = counts if counts is not None else {"questions": 0, "kept": 0, "no_positive": 0, "refused_or_empty": 0}
    for path in paths:
        s = load_eval_set(path)
        if re.search(r"held", Path(path).stem, re.I):
            raise SystemExit(f"{path}: a held-out set must never be fitted on")
        for case in s.cases:
            history: list[dict] = []
            for t in case.turns:
                q = validate_question(t.question, a.settings.max_question_chars)
                query = a.retrieval_query(q, history)
                if t.must_include and not t.must_refuse and not t.expect_premise:
                    counts["questions"] += 1
                    asked, hits, ctx = a.prepare(q, query, history, t.filters or None, s.defaults.get("k"))
                    cands = composer.candidates(asked, hits, ctx) if hits else []
                    if not cands:
                        counts["refused_or_empty"] += 1
                    else:
                        gains = np.array([_gain(c, hits, t, ctx) for c in cands])
                        if gains.max() <= 0:
                            counts["no_positive"] += 1
                        else:
                            data.append((composer.feature_matrix(cands), gains))
                            counts["kept"] += 1
                if t is not case.turns[-1]:  # later turns are asked with the conversation so far
                    ans = a.ask(t.question, history=history, filters=t.filters or None, k=s.defaults.get("k"))
                    history.append({"question": t.question, "answer": ans.text})
    return data, counts


def _gain(c: composer.Candidate, hits, t, ctx) -> float:
    if t.expected_sources and hits[c.hit].chunk.source_id not in t.expected_sources:
        return 0.0
    text = composer.prose(c.text, ctx.titles)
    return sum(bool(re.search(p, text, re.I)) for p in t.must_include) / len(t.must_include)


def loss_and_grad(w: np.ndarray, data, w0: np.ndarray, l2: float) -> tuple[float, np.ndarray]:
    total, grad = 0.0, np.zeros_like(w)
    for x, g in data:
        s = x @ w
        s = s - s.max()
        p = np.exp(s)
        p /= p.sum()
        mass = float((p * g).sum())
        total -= np.log(mass + 1e-12)
        # d/dw log sum_i p_i g_i = sum_i (p_i g_i / mass) x_i - sum_i p_i x_i
        grad -= ((p * g / (mass + 1e-12)) @ x) - (p @ x)
    n = max(len(data), 1)
    total = total / n + l2 * float(((w - w0) ** 2).sum())
    grad = grad / n + 2 * l2 * (w - w0)
    return total, grad


def fit(data, w0: np.ndarray, l2: float = 0.01, steps: int = 3000, lr: float = 0.2) -> np.ndarray:
    """Gradient descent with Adam on the listwise loss."""
    w = w0.copy()
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for i in range(1, steps + 1):
        _loss, g = loss_and_grad(w, data, w0, l2)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w -= lr * (m / (1 - 0.9 ** i)) / (np.sqrt(v / (1 - 0.999 ** i)) + 1e-8)
    return w


def top1(w: np.ndarray, data, n: int = 1) -> float:
    """Share of questions where one of the n best-scored candidates has gain."""
    return sum(float(g[np.argsort(-(x @ w), kind="stable")[:n]].max() > 0) for x, g in data) / max(len(data), 1)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sets", nargs="+", help="eval sets, each as PATH or PATH=INDEX (its own index directory)")
    ap.add_argument("--index", help="the index of the sets given without one")
    ap.add_argument("--l2", type=float, default=0.01)
    ap.add_argument("--folds", type=int, default=5, help="cross-validation folds for the reported figure")
    args = ap.parse_args(argv)
    by_index: dict[str, list[str]] = {}
    for spec in args.sets:
        path, _, index = spec.partition("=")
        if not (index or args.index):
            raise SystemExit(f"{path}: no index (give --index or {path}=INDEX)")
        by_index.setdefault(index or args.index, []).append(path)
    t0 = time.time()
    data: list[tuple[np.ndarray, np.ndarray]] = []
    counts = {"questions": 0, "kept": 0, "no_positive": 0, "refused_or_empty": 0}
    for index, paths in by_index.items():
        data += collect(Assistant(Settings(index_dir=Path(index))), paths, counts)[0]
    print(f"collected {counts} in {time.time() - t0:.0f}s", file=sys.stderr)
    w0 = composer.WEIGHTS.vector()
    rng = np.random.default_rng(0)
    order = rng.permutation(len(data))
    folds = np.array_split(order, args.folds)
    cv_before, cv_after = [], []
    for k in range(args.folds):
        test = [data[i] for i in folds[k]]
        train = [data[i] for j in range(args.folds) if j != k for i in folds[j]]
        w = fit(train, w0, args.l2)
        cv_before.append((top1(w0, test), top1(w0, test, 3)))
        cv_after.append((top1(w, test), top1(w, test, 3)))
    w = fit(data, w0, args.l2)
    b, f = np.mean(cv_before, axis=0), np.mean(cv_after, axis=0)
    print(f"an expected fact in the top 1 / top 3 sentences: current weights {top1(w0, data):.3f} / "
          f"{top1(w0, data, 3):.3f} (cv {b[0]:.3f} / {b[1]:.3f}), fitted {top1(w, data):.3f} / {top1(w, data, 3):.3f} "
          f"(cv {f[0]:.3f} / {f[1]:.3f}) over {len(data)} questions")
    print("per-feature weights (current -> fitted):")
    for name, before, after in zip(composer.FEATURES, w0, w):
        print(f"  {name:16s} {before:6.2f} -> {after:6.2f}")
    print("Weights(")
    for name, value in zip(composer.FEATURES, w):
        print(f"    {name}={value:.2f},")
    for f in fields(composer.Weights):
        if f.name not in composer.FEATURES:
            print(f"    {f.name}={getattr(composer.WEIGHTS, f.name)!r},")
    print(")")


if __name__ == "__main__":
    main()
