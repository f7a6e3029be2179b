"""The two trade-off plots of an exploration (matplotlib, PNG), one panel per device:

- accuracy_vs_lut.png: test accuracy against LUTs of the cheapest design at the target frame
  rate (target mode), with the Pareto front (no design cheaper and at least as accurate);
- accuracy_vs_fps.png: test accuracy against frames/s of the fastest design within the
  device (budget mode), with the Pareto front (no design faster and at least as accurate).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rpnn_ir.training.models import PRECISIONS

COLORS = {"W1A1": "#d62728", "W1A2": "#ff7f0e", "W2A2": "#2ca02c", "W4A4": "#1f77b4",
          "W8A8": "#9467bd", "float32": "#4d4d4d"}
MARKERS = {"W1A1": "o", "W1A2": "s", "W2A2": "^", "W4A4": "D", "W8A8": "v", "float32": "*"}


def pareto_front(points: list[tuple[float, float]], minimize_x: bool
                 ) -> list[tuple[float, float]]:
    """The points (x, accuracy) that no other point beats on both axes: x smaller (or larger
    when not `minimize_x`) or equal and accuracy higher or equal, one of them strictly.
    Sorted along x, best x first."""
    ordered = sorted(points, key=lambda p: (p[0] if minimize_x else -p[0], -p[1]))
    front: list[tuple[float, float]] = []
    for x, acc in ordered:
        if not front or acc > front[-1][1]:
            front.append((x, acc))
    return front


def _panel(ax, rows: list[dict[str, Any]], x_key: str, minimize_x: bool) -> None:
    points = []
    for precision in PRECISIONS:
        mine = [r for r in rows if r["precision"] == precision]
        if not mine:
            continue
        xs = [float(r[x_key]) for r in mine]
        ys = [100 * float(r["accuracy"]) for r in mine]
        size = 110 if precision == "float32" else 50
        fits = [bool(r.get("fits", True)) for r in mine]
        for fit in (True, False):
            sel = [i for i, f in enumerate(fits) if f == fit]
            if not sel:
                continue
            ax.scatter([xs[i] for i in sel], [ys[i] for i in sel], s=size,
                       label=precision if fit or all(not f for f in fits) else None,
                       marker=MARKERS[precision], zorder=3, linewidths=0.4 if fit else 1.2,
                       color=COLORS[precision] if fit else "none",
                       edgecolors="black" if fit else COLORS[precision])
        for r, x, y in zip(mine, xs, ys, strict=True):
            ax.annotate(str(r["width"]), (x, y), textcoords="offset points", xytext=(4, -9),
                        fontsize=7, color=COLORS[precision])
        points += list(zip(xs, ys, strict=True))
    front = pareto_front(points, minimize_x)
    if front:
        fx, fy = zip(*front, strict=True)
        ax.step(fx, fy, where="post", color="black", linewidth=1.2,
                linestyle="--", label="Pareto front", zorder=2)
    ax.set_xscale("log")
    ax.margins(x=0.06, y=0.08)
    ax.grid(True, which="both", alpha=0.3)


def _figure(rows: list[dict[str, Any]], mode: str, x_key: str, minimize_x: bool,
            xlabel: str, title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in rows if r["mode"] == mode and r.get("error") is None
            and r.get(x_key) is not None]
    devices = sorted({r["device"] for r in rows})
    if not devices:
        return
    fig, axes = plt.subplots(1, len(devices), figsize=(7.6 * len(devices), 4.8), squeeze=False)
    for ax, device in zip(axes[0], devices, strict=True):
        _panel(ax, [r for r in rows if r["device"] == device], x_key, minimize_x)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("test accuracy (%)")
        ax.set_title(title.format(device=device), fontsize=10)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  title="hollow: exceeds\nthe device", title_fontsize=7)
    first = rows[0]
    fig.suptitle(f"{first['dataset']}, {first['topology']}-style networks (point labels: "
                 "width)", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_all(rows: list[dict[str, Any]], out: Path, lut_fraction: float = 1.0) -> None:
    """Write both plots into `out` (`lut_fraction`: the budget of the frames/s plot)."""
    fps = next((r["target_fps"] for r in rows if r["mode"] == "target"), None)
    _figure(rows, "target", "lut", True, "LUTs (log scale)",
            f"accuracy vs LUTs, cheapest design at {fps or 0:,.0f} frames/s, {{device}}",
            out / "accuracy_vs_lut.png")
    _figure(rows, "budget", "fps", False, "frames/s (log scale)",
            f"accuracy vs frames/s, fastest design within {lut_fraction:.0%} of {{device}}",
            out / "accuracy_vs_fps.png")
