"""Eval sets (YAML) -> per-case results -> metrics -> reports; thresholds decide the exit code."""

from __future__ import annotations

import datetime as _dt
import html
import json
import math
import re
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import AssistantError, EvalSetError

# Metrics where lower is better: their threshold is a ceiling, not a floor.
CEILINGS = {"forbidden_fact_rate", "false_refusal_rate", "false_premise_rate", "latency_mean_ms", "latency_p95_ms"}
METRIC_HELP = {
    "source_hit_at_1": "first cited/retrieved source is an expected one",
    "source_hit_at_k": "an expected source is among the first k sources",
    "mrr": "mean reciprocal rank of the first expected source",
    "fact_recall": "share of must_include patterns the answers match",
    "forbidden_fact_rate": "share of cases whose answer matches a must_not_include pattern",
    "refusal_accuracy": "share of must_refuse cases that were refused",
    "false_refusal_rate": "share of answerable cases that were refused",
    "citation_validity": "share of answers whose quotes are verbatim and whose [n] all resolve",
    "answer_accuracy": "share of answerable cases with every must_include fact and an expected source cited",
    "premise_accuracy": "share of expect_premise: unsupported cases flagged as unsupported (or refused)",
    "false_premise_rate": "share of ordinary answerable cases wrongly flagged as resting on a false premise",
    "latency_mean_ms": "mean seconds per question, in ms",
    "latency_p95_ms": "95th percentile latency, in ms",
}


@dataclass
class Turn:
    question: str
    expected_sources: list[str] = field(default_factory=list)
    must_include: list[str] = field(default_factory=list)
    must_not_include: list[str] = field(default_factory=list)
    must_refuse: bool = False
    filters: dict[str, Any] = field(default_factory=dict)
    expect_premise: str = ""  # "unsupported": the answer must say its documents record no such thing

    @property
    def checked(self) -> bool:
        return bool(self.expected_sources or self.must_include or self.must_not_include or self.must_refuse
                    or self.expect_premise)


@dataclass
class Case:
    id: str
    turns: list[Turn]
    set_name: str = ""


@dataclass
class EvalSet:
    name: str
    path: str
    description: str
    defaults: dict[str, Any]
    thresholds: dict[str, float]
    cases: list[Case]


def _compile(patterns: Any, where: str) -> list[str]:
    if patterns is None:
        return []
    if isinstance(patterns, str):
        patterns = [patterns]
    if not isinstance(patterns, list):
        raise EvalSetError(f"{where}: must be a list of regular expressions")
    for p in patterns:
        try:
            re.compile(str(p), re.IGNORECASE)
        except re.error as e:
            raise EvalSetError(f"{where}: bad regular expression {p!r}: {e}") from None
    return [str(p) for p in patterns]


def _turn(raw: dict, where: str, defaults_filters: dict) -> Turn:
    if not isinstance(raw, dict) or not str(raw.get("question", "")).strip():
        raise EvalSetError(f"{where}: needs a 'question'")
    exp = raw.get("expected_sources") or []
    if isinstance(exp, str):
        exp = [exp]
    return Turn(
        question=str(raw["question"]), expected_sources=[str(x) for x in exp],
        must_include=_compile(raw.get("must_include"), f"{where} must_include"),
        must_not_include=_compile(raw.get("must_not_include"), f"{where} must_not_include"),
        must_refuse=bool(raw.get("must_refuse", False)),
        filters={**defaults_filters, **(raw.get("filters") or {})},
        expect_premise=_premise(raw.get("expect_premise"), where),
    )


def _premise(value: Any, where: str) -> str:
    if value in (None, "", False):
        return ""
    if str(value) != "unsupported":
        raise EvalSetError(f"{where}: expect_premise must be 'unsupported', not {value!r}")
    return "unsupported"


class _TurnModel(BaseModel):
    """One question of a case and its checks: every key must be one of these (a typo is an error)."""

    model_config = ConfigDict(extra="forbid")
    question: str
    expected_sources: list[str] | str | None = None
    must_include: list[str] | str | None = None
    must_not_include: list[str] | str | None = None
    must_refuse: bool = False
    expect_premise: str | None = None
    filters: dict[str, Any] | None = None


class _CaseModel(_TurnModel):
    id: str | int
    question: str | None = None  # type: ignore[assignment]  # a case of several turns has none of its own
    turns: list[_TurnModel] | None = None


class _SetModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    description: str | None = None
    defaults: dict[str, Any] | None = None
    thresholds: dict[str, float] | None = None
    cases: list[_CaseModel]


def _schema_error(path: Path, data: Any, e: ValidationError) -> str:
    """The first schema problem as one line naming the file, the case and the key."""
    err = e.errors()[0]
    loc = list(err.get("loc", ()))
    where = str(path)
    if len(loc) >= 2 and loc[0] == "cases" and isinstance(loc[1], int):
        try:
            where += f" case '{data['cases'][loc[1]].get('id', '#' + str(loc[1] + 1))}'"
        except (AttributeError, IndexError, KeyError, TypeError):
            where += f" case #{loc[1] + 1}"
        loc = loc[2:]
    key = ".".join(str(x) for x in loc)
    if err.get("type") == "extra_forbidden":
        return f"{where}: unknown key '{key}' (misspelt?): use {', '.join(_TurnModel.model_fields)}, id, turns"
    return f"{where}: '{key}': {err.get('msg', 'invalid')}"


def load_eval_set(path: str | Path) -> EvalSet:
    """Parse and check one eval-set YAML file; EvalSetError names the file and case when it is malformed, and a
    misspelt key ('must_includ:') is an error rather than a check quietly switched off."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise EvalSetError(f"Cannot read eval set {path}: {e.strerror or e}") from None
    except yaml.YAMLError as e:
        raise EvalSetError(f"{path}: not valid YAML: {e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise EvalSetError(f"{path}: an eval set needs a 'cases:' list (see README: eval sets)")
    try:
        _SetModel.model_validate(data)
    except ValidationError as e:
        raise EvalSetError(_schema_error(path, data, e)) from None
    name = str(data.get("name") or path.stem)
    defaults = dict(data.get("defaults") or {})
    thresholds = {str(k): float(v) for k, v in (data.get("thresholds") or {}).items()}
    for k in thresholds:
        if _metric_key(k) not in METRIC_HELP:
            raise EvalSetError(f"{path}: unknown threshold '{k}': use one of {', '.join(METRIC_HELP)}")
    cases: list[Case] = []
    seen: set[str] = set()
    for i, raw in enumerate(data["cases"]):
        if not isinstance(raw, dict) or not raw.get("id"):
            raise EvalSetError(f"{path}: case #{i + 1} needs an 'id'")
        cid = str(raw["id"])
        if cid in seen:
            raise EvalSetError(f"{path}: case id '{cid}' is used twice")
        seen.add(cid)
        where = f"{path} case '{cid}'"
        dfilters = dict(defaults.get("filters") or {})
        if "turns" in raw:
            if not isinstance(raw["turns"], list) or not raw["turns"]:
                raise EvalSetError(f"{where}: 'turns' must be a non-empty list")
            turns = [_turn(t, f"{where} turn {j + 1}", dfilters) for j, t in enumerate(raw["turns"])]
        else:
            turns = [_turn(raw, where, dfilters)]
        cases.append(Case(id=cid, turns=turns, set_name=name))
    return EvalSet(name=name, path=str(path), description=str(data.get("description", "")), defaults=defaults,
                   thresholds=thresholds, cases=cases)


def _metric_key(name: str) -> str:
    return "source_hit_at_k" if re.fullmatch(r"source_hit_at_\d+", name) and name != "source_hit_at_1" else name


def find_sets(paths: list[str]) -> list[Path]:
    """Eval-set files from files and folders (*.yaml, *.yml)."""
    out: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            out += sorted(x for x in path.rglob("*.y*ml") if x.suffix in (".yaml", ".yml"))
        elif path.exists():
            out.append(path)
        else:
            raise EvalSetError(f"No such eval set file or folder: {p}")
    if not out:
        raise EvalSetError(f"No eval sets (*.yaml) found in {', '.join(paths)}")
    return out


@dataclass
class CaseResult:
    id: str
    set: str
    question: str
    passed: bool
    failures: list[str]
    answer: str = ""
    refused: bool = False
    must_refuse: bool = False
    citations: list[dict] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    expected_sources: list[str] = field(default_factory=list)
    rank: int | None = None
    facts_total: int = 0
    facts_found: int = 0
    forbidden_hit: bool = False
    has_forbidden: bool = False
    citations_valid: bool = True
    latency_ms: float = 0.0
    error: str = ""
    expect_premise: str = ""
    premise: str = "ok"
    correct: bool | None = None  # every fact found and an expected source cited (answerable cases)


def _rank(expected: list[str], ranked_sources: list[str]) -> int | None:
    for i, s in enumerate(ranked_sources, start=1):
        if s in expected:
            return i
    return None


def run_case(assistant, case: Case, k: int | None, retriever: str | None) -> CaseResult:
    """Ask every turn (later ones with the conversation so far) and check the turns that carry checks."""
    history: list[dict] = []
    last = case.turns[-1]
    res = CaseResult(id=case.id, set=case.set_name, question=last.question, passed=True, failures=[])
    checked = [t for t in case.turns if t.checked] or [last]
    try:
        for t in case.turns:
            t0 = time.perf_counter()
            ans = assistant.ask(t.question, history=history, filters=t.filters or None, k=k, retriever=retriever)
            elapsed = (time.perf_counter() - t0) * 1000
            history.append({"question": t.question, "answer": ans.text})
            if t in checked:
                _check_turn(assistant, res, t, ans, elapsed, k or assistant.settings.k)
    except AssistantError as e:
        res.error = str(e)
        res.failures.append(f"error: {e}")
    except Exception as e:  # a crash is reported per case, and fails the run
        res.error = f"{type(e).__name__}: {e}"
        res.failures.append(f"error: {res.error}")
    res.passed = not res.failures
    return res


def _check_turn(assistant, res: CaseResult, t: Turn, ans, elapsed: float, k: int) -> None:
    res.question = t.question
    res.answer, res.refused, res.must_refuse = ans.text, ans.refused, t.must_refuse
    res.citations = [c.to_json() for c in ans.citations]
    res.latency_ms = elapsed
    cited = list(dict.fromkeys(c.source_id for c in ans.citations))
    retrieved = list(dict.fromkeys(h.chunk.source_id for h in ans.hits))
    res.sources = cited + [s for s in retrieved if s not in cited]
    problems = assistant.verify(ans)
    res.citations_valid = not problems
    if problems:
        res.failures.append("invalid citation: " + problems[0])
    res.expect_premise, res.premise = t.expect_premise, ans.premise
    if t.must_refuse:
        if not ans.refused:
            res.failures.append("answered but must refuse")
        return
    if t.expect_premise:
        if not ans.refused and ans.premise != "unsupported":
            res.failures.append("false premise not flagged")
    elif ans.refused:
        res.failures.append("refused an answerable question")
    elif ans.premise == "unsupported":
        res.failures.append(f"flagged a false premise that is not one ({', '.join(ans.premise_missing)})")
    n_failures = len(res.failures)
    if t.expected_sources:
        res.expected_sources = t.expected_sources
        res.rank = _rank(t.expected_sources, res.sources)
        if not set(t.expected_sources) & set(cited):
            res.failures.append(f"expected source not cited (rank {res.rank or '-'})")
    res.facts_total += len(t.must_include)
    for p in t.must_include:
        if re.search(p, ans.text, re.IGNORECASE):
            res.facts_found += 1
        else:
            res.failures.append(f"missing fact /{p}/")
    if t.must_not_include:
        res.has_forbidden = True
        for p in t.must_not_include:
            if re.search(p, ans.text, re.IGNORECASE):
                res.forbidden_hit = True
                res.failures.append(f"forbidden fact /{p}/")
    if not t.expect_premise:
        res.correct = not ans.refused and not any(
            f.startswith(("expected source", "missing fact", "forbidden fact")) for f in res.failures[n_failures:])


def metrics(results: list[CaseResult], k: int) -> dict[str, float]:
    """Aggregate metrics over case results (see METRIC_HELP)."""
    ranked = [r for r in results if r.expected_sources and not r.error]
    facts_total = sum(r.facts_total for r in results)
    forb = [r for r in results if r.has_forbidden]
    refuse = [r for r in results if r.must_refuse]
    answerable = [r for r in results if not r.must_refuse and not r.expect_premise]
    lat = sorted(r.latency_ms for r in results if not r.error)
    graded = [r for r in results if r.correct is not None and not r.error]
    premised = [r for r in results if r.expect_premise]
    ordinary = [r for r in results if not r.must_refuse and not r.expect_premise and not r.error]
    m = {
        "cases": float(len(results)),
        "passed": float(sum(r.passed for r in results)),
        "errors": float(sum(bool(r.error) for r in results)),
        "source_hit_at_1": _share(sum(r.rank == 1 for r in ranked), len(ranked)),
        "source_hit_at_k": _share(sum(r.rank is not None and r.rank <= k for r in ranked), len(ranked)),
        "mrr": _share(sum(1.0 / r.rank for r in ranked if r.rank), len(ranked)),
        "fact_recall": _share(sum(r.facts_found for r in results), facts_total),
        "forbidden_fact_rate": _share(sum(r.forbidden_hit for r in forb), len(forb), empty=0.0),
        "refusal_accuracy": _share(sum(r.refused for r in refuse), len(refuse)),
        "false_refusal_rate": _share(sum(r.refused for r in answerable), len(answerable), empty=0.0),
        "citation_validity": _share(sum(r.citations_valid for r in results if not r.error),
                                    len([r for r in results if not r.error])),
        "answer_accuracy": _share(sum(bool(r.correct) for r in graded), len(graded)),
        "premise_accuracy": _share(sum(r.refused or r.premise == "unsupported" for r in premised), len(premised)),
        "false_premise_rate": _share(sum(r.premise == "unsupported" for r in ordinary), len(ordinary), empty=0.0),
        "latency_mean_ms": sum(lat) / len(lat) if lat else 0.0,
        "latency_p95_ms": lat[min(len(lat) - 1, math.ceil(0.95 * len(lat)) - 1)] if lat else 0.0,
    }
    return {key: round(v, 4) for key, v in m.items()}


def _share(num: float, den: int, empty: float = 1.0) -> float:
    return num / den if den else empty


def check_thresholds(m: dict[str, float], thresholds: dict[str, float]) -> list[str]:
    """Misses, e.g. 'fact_recall 0.82 < 0.90'."""
    misses = []
    for name, floor in thresholds.items():
        key = _metric_key(name)
        val = m.get(key)
        if val is None:
            continue
        if key in CEILINGS:
            if val > floor:
                misses.append(f"{name} {val:.3f} > {floor:.3f}")
        elif val < floor - 1e-9:
            misses.append(f"{name} {val:.3f} < {floor:.3f}")
    return misses


@dataclass
class SetRun:
    name: str
    path: str
    k: int
    metrics: dict[str, float]
    thresholds: dict[str, float]
    misses: list[str]
    results: list[CaseResult]


@dataclass
class EvalRun:
    sets: list[SetRun]
    retriever: str
    mode: str
    started: str

    @property
    def ok(self) -> bool:
        return all(not s.misses and not any(r.error for r in s.results) for s in self.sets)

    def to_json(self) -> dict[str, Any]:
        return {"started": self.started, "retriever": self.retriever, "mode": self.mode, "ok": self.ok,
                "sets": [{"name": s.name, "path": s.path, "k": s.k, "metrics": s.metrics,
                          "thresholds": s.thresholds, "misses": s.misses,
                          "results": [asdict(r) for r in s.results]} for s in self.sets]}


def select(cases: list[Case], only: list[str] | None, pattern: str | None) -> list[Case]:
    """Cases named by --only, or whose id or question matches --filter (a regex)."""
    if only:
        cases = [c for c in cases if c.id in only]
    if pattern:
        rx = re.compile(pattern, re.IGNORECASE)
        cases = [c for c in cases if rx.search(c.id) or any(rx.search(t.question) for t in c.turns)]
    return cases


def run_eval(assistant, paths: list[str], k: int | None = None, retriever: str | None = None,
             only: list[str] | None = None, pattern: str | None = None, show_progress: bool = True,
             on_case: Callable[[CaseResult], None] | None = None) -> EvalRun:
    """Run eval sets against an assistant; thresholds come from each set."""
    sets = [load_eval_set(p) for p in find_sets(paths)]
    if only:
        known = {c.id for s in sets for c in s.cases}
        missing = [o for o in only if o not in known]
        if missing:
            raise EvalSetError(f"No case with id '{missing[0]}' in {', '.join(s.path for s in sets)}")
    plan = [(s, select(s.cases, only, pattern)) for s in sets]
    # warm up (model load, BM25 build) so latencies measure answering, not start-up
    assistant.retriever.lexical.refresh(force=True)
    assistant.embedder.embed(["warm-up"])
    total = sum(len(cs) for _s, cs in plan)
    bar = None
    if show_progress:
        from tqdm import tqdm

        bar = tqdm(total=total, unit="case", desc="Evaluating", file=sys.stderr, leave=False)
    runs: list[SetRun] = []
    for s, cases in plan:
        if not cases:
            continue
        kk = int(k or s.defaults.get("k") or assistant.settings.k)
        results = []
        for c in cases:
            r = run_case(assistant, c, kk, retriever)
            results.append(r)
            if on_case:
                on_case(r)
            if bar:
                bar.update(1)
        m = metrics(results, kk)
        # a partial run (--only/--filter) reports metrics but is not held to the set's thresholds
        partial = len(cases) < len(s.cases)
        misses = [] if partial else check_thresholds(m, s.thresholds)
        runs.append(SetRun(name=s.name, path=s.path, k=kk, metrics=m, thresholds=s.thresholds, misses=misses,
                           results=results))
    if bar:
        bar.close()
    if not runs:
        raise EvalSetError("No eval cases matched --only/--filter")
    return EvalRun(sets=runs, retriever=retriever or assistant.settings.retriever,
                   mode=getattr(assistant, "mode", "extractive"),
                   started=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"))


# -- reports ------------------------------------------------------------------------------------------------------
def format_table(run: EvalRun) -> str:
    """The per-case table and the metrics against thresholds, as plain text."""
    lines: list[str] = []
    for s in run.sets:
        w = max([len(r.id) for r in s.results] + [4])
        lines.append(f"== {s.name} ({s.path}): {len(s.results)} cases, k={s.k}, retriever={run.retriever}")
        lines.append(f"{'CASE':<{w}}  {'RESULT':<6} {'RANK':>4}  FAILED CHECK")
        for r in s.results:
            rank = "-" if r.rank is None else str(r.rank)
            lines.append(f"{r.id:<{w}}  {'pass' if r.passed else 'FAIL':<6} {rank:>4}  {'; '.join(r.failures)[:110]}")
        lines.append("")
        lines.append(f"{'METRIC':<22} {'VALUE':>8} {'THRESHOLD':>10}  OK")
        for name, val in s.metrics.items():
            if name in ("cases", "passed", "errors"):
                continue
            label = f"source_hit_at_{s.k}" if name == "source_hit_at_k" else name
            th = _threshold_for(name, s.thresholds)
            if th is None:
                ok, ths = "", ""
            else:
                bad = val > th if name in CEILINGS else val < th - 1e-9
                ok, ths = ("MISS" if bad else "ok"), (("<= " if name in CEILINGS else ">= ") + f"{th:g}")
            lines.append(f"{label:<22} {val:>8.3f} {ths:>10}  {ok}")
        lines.append(f"passed {int(s.metrics['passed'])}/{int(s.metrics['cases'])} cases, "
                     f"{int(s.metrics['errors'])} errors")
        lines.append("")
    lines.append("RESULT: " + ("all thresholds met" if run.ok else "FAILED: " + "; ".join(
        [f"{s.name}: {m}" for s in run.sets for m in s.misses]
        + [f"{s.name}: {int(s.metrics['errors'])} case(s) errored" for s in run.sets if s.metrics["errors"]])))
    return "\n".join(lines)


def _threshold_for(metric: str, thresholds: dict[str, float]) -> float | None:
    for name, v in thresholds.items():
        if _metric_key(name) == metric:
            return v
    return None


def compare(run: EvalRun, baseline: dict[str, Any]) -> str:
    """Each metric's change against a saved JSON run, and the cases that flipped."""
    lines = []
    base_sets = {s["name"]: s for s in baseline.get("sets", [])}
    for s in run.sets:
        b = base_sets.get(s.name)
        if not b:
            lines.append(f"== {s.name}: not in the baseline")
            continue
        lines.append(f"== {s.name}: change against baseline ({baseline.get('started', '?')})")
        for name, val in s.metrics.items():
            old = b["metrics"].get(name)
            if old is None:
                continue
            d = val - old
            lines.append(f"{name:<22} {old:>8.3f} -> {val:>8.3f}  ({d:+.3f})")
        old_pass = {r["id"]: r["passed"] for r in b.get("results", [])}
        flipped = [(r.id, old_pass[r.id], r.passed) for r in s.results if r.id in old_pass and old_pass[r.id] != r.passed]
        for cid, was, now in flipped:
            lines.append(f"  flipped {cid}: {'pass' if was else 'FAIL'} -> {'pass' if now else 'FAIL'}")
        if not flipped:
            lines.append("  no case flipped")
    return "\n".join(lines)


def side_by_side(run: EvalRun, other: EvalRun) -> str:
    """Metrics of two runs of the same sets (e.g. LLM and extractive), one line per metric."""
    a_label, b_label = f"{run.mode}/{run.retriever}", f"{other.mode}/{other.retriever}"
    lines = []
    for s in run.sets:
        o = next((x for x in other.sets if x.name == s.name), None)
        if o is None:
            continue
        lines.append(f"== {s.name}: {a_label} vs {b_label}")
        for name in METRIC_HELP:
            lines.append(f"{name:<22} {s.metrics.get(name, 0):>8.3f} {o.metrics.get(name, 0):>8.3f}")
    return "\n".join(lines)


def write_junit(run: EvalRun, path: str | Path) -> None:
    """JUnit XML: one testsuite per set, one testcase per eval case."""
    root = ET.Element("testsuites", name="assistant-eval")
    for s in run.sets:
        failures = sum(not r.passed and not r.error for r in s.results)
        errors = sum(bool(r.error) for r in s.results)
        suite = ET.SubElement(root, "testsuite", name=s.name, tests=str(len(s.results)), failures=str(failures),
                              errors=str(errors), time=f"{sum(r.latency_ms for r in s.results) / 1000:.3f}")
        for r in s.results:
            tc = ET.SubElement(suite, "testcase", classname=f"eval.{s.name}", name=r.id,
                               time=f"{r.latency_ms / 1000:.3f}")
            if r.error:
                ET.SubElement(tc, "error", message=r.error[:500]).text = r.answer
            elif not r.passed:
                ET.SubElement(tc, "failure", message="; ".join(r.failures)[:500]).text = (
                    f"Q: {r.question}\nA: {r.answer}\nsources: {r.sources[:5]}")
        if s.misses:
            tc = ET.SubElement(suite, "testcase", classname=f"eval.{s.name}", name="thresholds")
            ET.SubElement(tc, "failure", message="; ".join(s.misses))
    ET.ElementTree(root).write(str(path), encoding="utf-8", xml_declaration=True)


def write_html(run: EvalRun, path: str | Path, extra_runs: dict[str, EvalRun] | None = None) -> None:
    """A self-contained HTML report: a bar chart per metric (inline SVG) and the failing cases' answers."""
    runs = {f"{run.mode}/{run.retriever}": run, **(extra_runs or {})}
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>Eval report</title><style>",
             "body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}"
             ".miss{color:#b00;font-weight:bold}.ok{color:#070}blockquote{margin:4px 0 4px 1em;color:#444}"
             "svg text{font:12px system-ui,sans-serif}", "</style></head><body>",
             f"<h1>Eval report</h1><p>Run {html.escape(run.started)}; "
             f"{'<span class=ok>all thresholds met</span>' if run.ok else '<span class=miss>FAILED</span>'}</p>"]
    for s in run.sets:
        parts.append(f"<h2>{html.escape(s.name)} <small>({html.escape(s.path)}, {len(s.results)} cases)</small></h2>")
        parts.append(_svg_chart(s.name, runs))
        parts.append("<table><tr><th>metric</th>" + "".join(f"<th>{html.escape(n)}</th>" for n in runs)
                     + "<th>threshold</th></tr>")
        for name in METRIC_HELP:
            th = _threshold_for(name, s.thresholds)
            cells = ""
            for r in runs.values():
                sr = next((x for x in r.sets if x.name == s.name), None)
                v = sr.metrics.get(name) if sr else None
                bad = th is not None and v is not None and (v > th if name in CEILINGS else v < th - 1e-9)
                cells += f"<td class={'miss' if bad else 'ok'}>{'' if v is None else f'{v:.3f}'}</td>"
            parts.append(f"<tr><td title='{html.escape(METRIC_HELP[name])}'>{name}</td>{cells}"
                         f"<td>{'' if th is None else th}</td></tr>")
        parts.append("</table>")
        failing = [r for r in s.results if not r.passed]
        parts.append(f"<h3>Failing cases ({len(failing)})</h3>")
        for r in failing:
            cites = "".join(
                f"<li>[{c['n']}] {html.escape(c['title'])} <code>{html.escape(c['source_id'])}</code>"
                f"<blockquote>{html.escape(c['quote'])}</blockquote></li>" for c in r.citations)
            parts.append(
                f"<div><h4 id='{html.escape(r.id)}'>{html.escape(r.id)}</h4><p><b>Q:</b> {html.escape(r.question)}</p>"
                f"<p><b>A:</b> {html.escape(r.answer)}</p><p class=miss>{html.escape('; '.join(r.failures))}</p>"
                f"<p>expected: {html.escape(', '.join(r.expected_sources))}; ranked: "
                f"{html.escape(', '.join(r.sources[:5]))}</p><ol>{cites}</ol></div>")
    parts.append("</body></html>")
    Path(path).write_text("\n".join(parts), encoding="utf-8")


def _svg_chart(set_name: str, runs: dict[str, EvalRun]) -> str:
    names = ["source_hit_at_1", "source_hit_at_k", "mrr", "fact_recall", "refusal_accuracy", "citation_validity",
             "false_refusal_rate", "forbidden_fact_rate"]
    colours = ["#3b6fb6", "#e08a2c", "#4a9a4a", "#9b59b6"]
    bar_h, gap = 14, 10
    group_h = bar_h * len(runs) + gap
    width, left = 640, 170
    height = group_h * len(names) + 30
    out = [f"<svg role='img' aria-label='metrics chart' width='{width}' height='{height}' "
           f"xmlns='http://www.w3.org/2000/svg'>"]
    for i, name in enumerate(names):
        y0 = i * group_h + 10
        out.append(f"<text x='0' y='{y0 + bar_h}'>{name}</text>")
        for j, (label, r) in enumerate(runs.items()):
            sr = next((x for x in r.sets if x.name == set_name), None)
            v = (sr.metrics.get(name) or 0.0) if sr else 0.0
            w = max(1, int((width - left - 60) * min(v, 1.0)))
            y = y0 + j * bar_h
            out.append(f"<rect class='bar' x='{left}' y='{y}' width='{w}' height='{bar_h - 2}' "
                       f"fill='{colours[j % len(colours)]}'><title>{html.escape(label)}: {v:.3f}</title></rect>")
            out.append(f"<text x='{left + w + 4}' y='{y + bar_h - 3}'>{v:.2f}</text>")
    legend_y = height - 8
    for j, label in enumerate(runs):
        out.append(f"<rect x='{left + j * 150}' y='{legend_y - 10}' width='10' height='10' "
                   f"fill='{colours[j % len(colours)]}'/><text x='{left + j * 150 + 14}' y='{legend_y}'>"
                   f"{html.escape(label)}</text>")
    out.append("</svg>")
    return "".join(out)


def save_json(run: EvalRun, path: str | Path) -> None:
    """The full results as JSON (usable as a --baseline later)."""
    Path(path).write_text(json.dumps(run.to_json(), indent=1, ensure_ascii=False), encoding="utf-8")
