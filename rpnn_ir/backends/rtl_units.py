"""One `rpnn_rtl.v` unit alone, from its Verilog parameters, through Yosys `synth_xilinx`.

    from rpnn_ir.backends import rtl_units
    res = rtl_units.synthesize_unit("rpnn_fifo", {"DEPTH": 64, "WB": 8, "STYLE": 2})

What the RTL cost model (`rpnn_ir.hw.cost_rtl`) is calibrated and checked against: the
unit's module from the shipped library in a wrapper whose ports are the unit's streams,
ROMs (`W_FILE`, `T_FILE`) filled with seeded random contents of the right shape (weights
uniform over their bits, thresholds ascending per channel), synthesised out of context by
`rtl_synth.run_yosys`. Parameters are those `-t rpnn-rtl` writes for the unit (rtl.py).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from rpnn_ir.backends import rtl, rtl_synth
from rpnn_ir.hw import cost_rtl

_OUTPUTS = ("in_ready", "a_ready", "b_ready", "out_data", "out_valid")


def port_widths(module: str, p: dict) -> dict[str, int]:
    """The unit's ports (besides clk, rst) and their widths in bits."""
    def stream(prefix: str, bits: int) -> dict[str, int]:
        ready = "ready" if prefix != "out" else "ready"
        return {f"{prefix}_data": bits, f"{prefix}_valid": 1, f"{prefix}_{ready}": 1}

    if module == "rpnn_mvu":
        inb = (p["PE"] if p["DEPTHWISE"] else 1) * p["SIMD"] * p["IB"]
        return {**stream("in", inb), **stream("out", p["PE"] * p["OB"])}
    if module == "rpnn_thresholding":
        return {**stream("in", p["PE"] * p["IB"]), **stream("out", p["PE"] * p["OB"])}
    if module in ("rpnn_window", "rpnn_pad", "rpnn_fifo"):
        return {**stream("in", p["WB"]), **stream("out", p["WB"])}
    if module == "rpnn_dwc":
        return {**stream("in", p["IW"] * p["B"]), **stream("out", p["OW"] * p["B"])}
    if module == "rpnn_broadcast":
        return {**stream("in", p["WB"]), "out_data": p["WB"], "out_valid": p["N"],
                "out_ready": p["N"]}
    if module == "rpnn_add_streams":
        return {**stream("a", p["PE"] * p["AB"]), **stream("b", p["PE"] * p["BB"]),
                **stream("out", p["PE"] * p["OB"])}
    if module == "rpnn_label_select":
        return {**stream("in", p["PE"] * p["IB"]), **stream("out", p["OWD"] * p["OB"])}
    raise ValueError(f"unknown unit module '{module}'")


def wrapper(module: str, params: dict, top: str = "unit_top") -> str:
    """A module `top` holding one instance of `module` with `params`."""
    ports = ["    input  wire clk", "    input  wire rst"]
    conns = [".clk(clk)", ".rst(rst)"]
    for name, bits in port_widths(module, params).items():
        direction = "output" if name in _OUTPUTS else "input "
        ports.append(f"    {direction} wire {f'[{bits - 1}:0] ' if bits > 1 else ''}{name}")
        conns.append(f".{name}({name})")
    plist = rtl._param_list(params)
    return (f"module {top} (\n" + ",\n".join(ports) + ");\n"
            f"    {module} #({plist}) u ({', '.join(conns)});\nendmodule\n")


def _random_words(rng: np.random.Generator, count: int, bits: int) -> np.ndarray:
    words = np.zeros(count, dtype=object)
    for start in range(0, bits, 30):
        chunk = min(30, bits - start)
        words = words | (rng.integers(0, 1 << chunk, count).astype(object) << start)
    return words


def _threshold_words(rng: np.random.Generator, count: int, pe: int, t: int,
                     tb: int) -> np.ndarray:
    """`count` words of PE channels' T ascending signed TB-bit thresholds."""
    lo, hi = -(1 << (tb - 1)), (1 << (tb - 1))
    words = np.zeros(count, dtype=object)
    mask = (1 << tb) - 1
    for c in range(count):
        word = 0
        for p in range(pe):
            values = np.sort(rng.integers(lo, hi, t))
            for k, v in enumerate(values.tolist()):
                word |= (int(v) & mask) << ((p * t + k) * tb)
        words[c] = word
    return words


def roms(module: str, params: dict, seed: int = 0) -> tuple[dict, dict[str, str]]:
    """`params` with W_FILE/T_FILE set, and the ROM files' contents (relative path -> text)."""
    rng = np.random.default_rng(seed)
    params = dict(params)
    files: dict[str, str] = {}
    if module == "rpnn_mvu":
        width = params["PE"] * params["SIMD"] * params["WB"]
        depth = params["INNER"] * params["OUTER"]
        files["mem/w.hex"] = rtl.rom_lines(_random_words(rng, depth, width), width)
        params["W_FILE"] = "mem/w.hex"
    if module in ("rpnn_mvu", "rpnn_thresholding") and params.get("T", 0) > 0:
        count = (params["INNER"] if params["DEPTHWISE"] else params["OUTER"]) \
            if module == "rpnn_mvu" else params["CF"]
        words = _threshold_words(rng, count, params["PE"], params["T"], params["TB"])
        files["mem/t.hex"] = rtl.rom_lines(words, params["PE"] * params["T"] * params["TB"])
        params["T_FILE"] = "mem/t.hex"
    return params, files


def rom_columns(module: str, params: dict, family: str = "xc7", seed: int = 0) -> dict[str, int]:
    """The parameters `cost_rtl.predict` reads from a unit's ROM contents
    (`cost_rtl.content_params`: widths and columns) for the ROMs `roms` fills; from the IR
    `cost_rtl.rom_columns` gives the same."""
    kind = {"rpnn_mvu": "depthwise" if params.get("DEPTHWISE") else "mvtu",
            "rpnn_thresholding": "thresholding"}.get(module)
    if kind is None:
        return {}
    _, files = roms(module, params, seed)
    tables = {}
    for key, name in (("w", "mem/w.hex"), ("t", "mem/t.hex")):
        if name in files:
            width = params["PE"] * (params["SIMD"] * params["WB"] if key == "w"
                                    else params["T"] * params["TB"])
            words = [int(line, 16) for line in files[name].split()]
            tables[key] = cost_rtl.word_bits(words, width)
    values = None if "w" not in tables else cost_rtl.word_values(
        tables["w"], params["WB"], bool(params.get("W_SIGNED")))
    return cost_rtl.content_params(kind, params, tables.get("w"), tables.get("t"), family,
                                   values)


def synthesize_unit(module: str, params: dict, family: str = "xc7", seed: int = 0,
                    timeout: float | None = None) -> dict:
    """Yosys resources of `module` with `params` alone (rtl_synth.run_yosys's dict)."""
    params, files = roms(module, params, seed)
    with tempfile.TemporaryDirectory(prefix="rpnn-unit-") as tmp:
        directory = Path(tmp)
        (directory / "mem").mkdir()
        for name, text in files.items():
            (directory / name).write_text(text)
        (directory / rtl.LIBRARY).write_text(rtl.library_text())
        (directory / "unit_top.v").write_text(wrapper(module, params))
        return rtl_synth.run_yosys(directory, [rtl.LIBRARY, "unit_top.v"], "unit_top",
                                   family, timeout)
