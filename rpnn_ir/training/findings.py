"""Whether the paper's three findings hold on the data an exploration ran on.

Hardware cost is compared at the same frame rate (target-mode designs: the cheapest design
of each network at `target_fps`), in LUTs, the resource the paper plots; accuracy is the
test accuracy of the compiled design (float32: of the trained model).

1. "2- and 4-bit parameters beat 1-bit on small data sets": every W1A1 design is matched by
   a W2A2 or W4A4 design at least as accurate with at most its LUTs ("holds in part" when
   only some are).
2. "4-bit is best on large tasks": W4A4 has the most designs on the accuracy-vs-LUT Pareto
   front ("holds in part" when tied for the most; the paper observed it on ImageNet, on a
   small data set it need not hold).
3. "To reach a high accuracy, float32 costs less hardware than 1-bit": at the target
   accuracy (`Sweep.target_accuracy`; default 99% on MNIST as in the paper, otherwise the
   best accuracy any W1A1 network reached), the cheapest float32 design needs fewer LUTs
   than the cheapest W1A1 design (or W1A1 never reaches it and float32 does).
"""

from __future__ import annotations

from typing import Any

from rpnn_ir.training.plots import pareto_front


def _fmt(row: dict[str, Any]) -> str:
    return (f"{row['precision']} width {row['width']}: {100 * row['accuracy']:.2f}% with "
            f"{row['lut']:,} LUTs")


def _finding1(rows: list[dict[str, Any]]) -> tuple[bool | str | None, list[str]]:
    ones = [r for r in rows if r["precision"] == "W1A1"]
    others = [r for r in rows if r["precision"] in ("W2A2", "W4A4")]
    if not ones or not others:
        return None, ["needs W1A1 and W2A2 or W4A4 designs"]
    lines, matched = [], 0
    for r in ones:
        better = [o for o in others if o["accuracy"] >= r["accuracy"] and o["lut"] <= r["lut"]]
        if better:
            best = min(better, key=lambda o: o["lut"])
            matched += 1
            lines.append(f"{_fmt(r)} <- matched by {_fmt(best)}")
        else:
            lines.append(f"{_fmt(r)} <- no 2/4-bit design as accurate with as few LUTs")
    lines.insert(0, f"{matched} of {len(ones)} W1A1 designs are matched")
    return (matched == len(ones)) if matched in (0, len(ones)) else PARTLY, lines


def _finding2(rows: list[dict[str, Any]]) -> tuple[bool | str | None, list[str]]:
    if not rows:
        return None, ["no designs"]
    front = pareto_front([(r["lut"], r["accuracy"]) for r in rows], minimize_x=True)
    on_front = [r for r in rows if (r["lut"], r["accuracy"]) in front]
    share: dict[str, int] = {}
    for r in on_front:
        share[r["precision"]] = share.get(r["precision"], 0) + 1
    best = max(share.values())
    lines = ["Pareto front (accuracy vs LUTs): " + ", ".join(
        f"{p} {n}" for p, n in sorted(share.items(), key=lambda kv: -kv[1]))]
    lines += [f"on the front: {_fmt(r)}" for r in sorted(on_front, key=lambda r: r["lut"])]
    if "W4A4" not in {r["precision"] for r in rows}:
        return None, ["needs W4A4 designs", *lines]
    if share.get("W4A4", 0) < best:
        return False, lines
    return True if sorted(share.values()).count(best) == 1 else PARTLY, lines


def _finding3(rows: list[dict[str, Any]], target: float) -> tuple[bool | None, list[str]]:
    floats = [r for r in rows if r["precision"] == "float32"]
    ones = [r for r in rows if r["precision"] == "W1A1"]
    if not floats or not ones:
        return None, ["needs float32 and W1A1 designs"]

    def cheapest(group: list[dict[str, Any]]) -> dict[str, Any] | None:
        ok = [r for r in group if r["accuracy"] >= target - 1e-12]
        return min(ok, key=lambda r: r["lut"]) if ok else None

    f, b = cheapest(floats), cheapest(ones)
    lines = [f"target accuracy {100 * target:.2f}%",
             f"cheapest float32 reaching it: {_fmt(f) if f else 'none'}",
             f"cheapest W1A1 reaching it: {_fmt(b) if b else 'none'}"]
    if f is None:
        return False, lines
    if b is None:
        return True, lines
    lines.append(f"float32 / W1A1 LUTs: {f['lut'] / b['lut']:.2f}")
    return f["lut"] < b["lut"], lines


PARTLY = "partly"


def _verdict(holds: bool | str | None) -> str:
    return {True: "HOLDS", False: "does not hold", None: "not testable",
            PARTLY: "holds in part"}[holds]


def report(rows: list[dict[str, Any]], sweep) -> str:
    """The findings as Markdown, per device (target-mode designs)."""
    out = [f"# Findings: {sweep.dataset}, {sweep.topology}-style networks, widths "
           f"{', '.join(map(str, sweep.widths))}", "",
           f"Designs compared at {sweep.target_fps:,.0f} frames/s (the cheapest design of "
           "each network at that rate, LUTs from rpnn-cost); accuracy on the test split of "
           "the compiled design (C reference), float32: of the trained model.", ""]
    for device in sorted({r["device"] for r in rows}):
        usable = [r for r in rows if r["device"] == device and r["mode"] == "target"
                  and r.get("error") is None and r.get("lut") is not None]
        ones = [r["accuracy"] for r in usable if r["precision"] == "W1A1"]
        target = sweep.target_accuracy
        if target is None:
            target = 0.99 if sweep.dataset == "mnist" else (max(ones) if ones else 1.0)
        out.append(f"## {device}")
        for title, (holds, lines) in (
                ("1. 2- and 4-bit beat 1-bit (small data sets)", _finding1(usable)),
                ("2. 4-bit gives the best trade-off (large data sets)", _finding2(usable)),
                ("3. float32 needs less hardware than 1-bit to reach a high accuracy",
                 _finding3(usable, target))):
            out += ["", f"### {title}: {_verdict(holds)}", ""]
            out += [f"- {line}" for line in lines]
        out.append("")
    return "\n".join(out)
