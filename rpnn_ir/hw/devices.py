"""FPGA parts: resource capacities and default clocks for the cost model and the folder.

The built-in parts live in the package data file ``rpnn_ir/hw/data/devices.toml`` (capacities
from the datasheets, the default clock with its source).  Users add or override parts with a
TOML or JSON file of the same shape (``load_devices(path)``, or the passes' ``devices-file=``
option)::

    [devices.my_part]          # JSON: {"devices": {"my_part": {...}}}
    lut = 100000
    ff = 200000
    bram36 = 200               # or bram18 = 400
    uram = 0
    dsp = 500
    slrs = 1
    clock_mhz = 150.0
    part = "xcfoo-bar123-1"    # optional: the full Vivado part (set_part); default: the key
    family = "ultrascale"      # optional: an entry of [families] (built-in or in the file)
    sll = 0                    # super long lines per SLR crossing (multi-SLR parts)

    [families.my_family]       # optional
    part_prefixes = ["xcfoo"]
    uram_init = false          # can the bitstream initialise UltraRAM (hold a ROM)?
    uram_source = "where that fact comes from"

A part's family says whether its UltraRAM can be initialised by the configuration bitstream:
only then may constant weights (ROMs) live in UltraRAM (`Device.uram_for_constants`; the
built-in families and their sources are in devices.toml: UltraScale+ cannot, Versal can).
A part without a family, or with a family that does not say, is taken not to (a per-device
``uram_init = true`` overrides).

Block RAM is counted in RAMB18 halves (``bram18 = 2 * bram36``), the unit of FINN's memory
tables (docs/cost-model.md).

One naming scheme for parts (`find_device`): a device is named by its short name (the key,
``xc7z020``) or by a full Vivado part of that chip (``xc7z020clg400-1``, or another package
or speed grade of it, ``xc7z020clg484-1``); the full part is what rpnn-hls writes.

The device a design was folded for travels with it in the IR: `record_device` writes the
module attribute ``rpnn.device`` (docs/ops.md, "The recorded device") and `recorded_device`
reads it back, so rpnn-cost, rpnn-hls and rpnn-rtl need no device= or devices-file= again.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from xdsl.dialects.builtin import (
    BoolAttr,
    DictionaryAttr,
    FloatAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    f64,
)

from rpnn_ir import files

RESOURCES = ("lut", "bram18", "uram", "dsp")
"""The resources every cost estimate reports, in this order."""

DEFAULT_FRACTIONS = (0.85, 1.0, 1.0, 1.0)
"""Default budget: the share of each of `RESOURCES` a design may use (docs/passes.md,
"Budgets").  LUTs are what place-and-route runs out of: BNN-PYNQ's largest shipped overlay,
LFC-W1A2 on the PYNQ-Z1, uses 92.07% of the LUTs with its shell (Zynq PS wrapper, AXI
interconnect, DMA; Vivado 2018.2 report in Xilinx/BNN-PYNQ
``bnn/src/network/lfcW1A2/README.md``), so the accelerator alone gets 85%.  Block RAM, URAM
and DSPs sit in fixed columns and fill completely: CNV-W2A2 ships with all 140 block RAM
tiles of the xc7z020 in use (``bnn/src/network/cnvW2A2/README.md``), so they get 100%."""


class DeviceError(ValueError):
    """An unknown part name or a malformed devices file."""


@dataclass(frozen=True)
class Family:
    """A device family: how its part names begin and what its UltraRAM can do."""

    name: str
    part_prefixes: tuple[str, ...] = ()
    uram_init: bool = False
    uram_source: str = ""


@dataclass(frozen=True)
class Device:
    """One FPGA part."""

    name: str
    lut: int
    ff: int
    bram18: int
    uram: int
    dsp: int
    slrs: int = 1
    clock_mhz: float = 100.0
    board: str = ""
    clock_source: str = ""
    family: str = ""
    uram_init: bool = False
    """Whether the configuration bitstream can initialise this part's UltraRAM."""
    sll: int = 0
    """Super long lines (SLLs) between two adjacent SLRs: the wires a stream crossing that
    boundary uses (rpnn-partition); 0 on single-SLR parts."""
    sll_source: str = ""
    part: str = ""
    """The full Vivado part (``xc7z020clg400-1``) written to HLS projects; empty: `name`."""

    @property
    def vivado_part(self) -> str:
        """The part name for Vivado/Vitis (`part`, else the short name)."""
        return self.part or self.name

    @property
    def bram36(self) -> int:
        return self.bram18 // 2

    @property
    def uram_for_constants(self) -> bool:
        """Whether constant weights and thresholds (ROMs) may be placed in UltraRAM."""
        return self.uram > 0 and self.uram_init


    def capacity(self, resource: str) -> int:
        """Capacity of one of `RESOURCES` (or ``ff``)."""
        return int(getattr(self, resource))

    def per_slr(self) -> Device:
        """One super logic region, assuming the resources split evenly between SLRs.

        Real SLRs differ slightly (the static shell region of an Alveo card, I/O columns), so
        per-SLR utilisation is an approximation.
        """
        if self.slrs <= 1:
            return self
        n = self.slrs
        return Device(
            f"{self.name}/slr", self.lut // n, self.ff // n, self.bram18 // n, self.uram // n,
            self.dsp // n, 1, self.clock_mhz, self.board, self.clock_source, self.family,
            self.uram_init,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "board": self.board, "lut": self.lut, "ff": self.ff,
            "bram18": self.bram18, "uram": self.uram, "dsp": self.dsp, "slrs": self.slrs,
            "clock_mhz": self.clock_mhz, "clock_source": self.clock_source,
            "family": self.family, "uram_init": self.uram_init,
            "sll": self.sll, "sll_source": self.sll_source, "part": self.vivado_part,
        }


def _family_from_table(name: str, table: dict[str, Any], origin: str) -> Family:
    if not isinstance(table, dict):
        raise DeviceError(f"{origin}: family '{name}' must be a table of fields")
    unknown = sorted(set(table) - {"part_prefixes", "uram_init", "uram_source"})
    if unknown:
        raise DeviceError(f"{origin}: family '{name}' has unknown field(s) {', '.join(unknown)} "
                          "(known: part_prefixes, uram_init, uram_source)")
    prefixes = table.get("part_prefixes", [])
    if not isinstance(prefixes, list) or not all(isinstance(p, str) and p for p in prefixes):
        raise DeviceError(f"{origin}: family '{name}': part_prefixes must be a list of strings")
    uram_init = table.get("uram_init", False)
    if not isinstance(uram_init, bool):
        raise DeviceError(f"{origin}: family '{name}': uram_init must be true or false")
    return Family(name, tuple(p.lower() for p in prefixes), uram_init,
                  str(table.get("uram_source", "")))


def _device_from_table(name: str, table: dict[str, Any], origin: str,
                       families: dict[str, Family]) -> Device:
    if not isinstance(table, dict):
        raise DeviceError(f"{origin}: device '{name}' must be a table of fields")
    known = {"lut", "ff", "bram18", "bram36", "uram", "dsp", "slrs", "clock_mhz", "board",
             "clock_source", "family", "uram_init",
             "sll", "sll_source", "part"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise DeviceError(f"{origin}: device '{name}' has unknown field(s) "
                          f"{', '.join(unknown)} (known: {', '.join(sorted(known))})")
    missing = [f for f in ("lut", "dsp") if f not in table]
    if "bram18" not in table and "bram36" not in table:
        missing.append("bram36 (or bram18)")
    if missing:
        raise DeviceError(f"{origin}: device '{name}' lacks {', '.join(missing)}")
    if "bram18" in table and "bram36" in table and table["bram18"] != 2 * table["bram36"]:
        raise DeviceError(f"{origin}: device '{name}': bram18 must be 2 * bram36")

    def count(field: str, default: int = 0) -> int:
        value = table.get(field, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise DeviceError(f"{origin}: device '{name}': {field} must be a non-negative "
                              f"integer, got {value!r}")
        return value

    bram18 = count("bram18") if "bram18" in table else 2 * count("bram36")
    clock = table.get("clock_mhz", 100.0)
    if isinstance(clock, bool) or not isinstance(clock, int | float) or clock <= 0:
        raise DeviceError(f"{origin}: device '{name}': clock_mhz must be positive")
    slrs = count("slrs", 1)
    if slrs < 1:
        raise DeviceError(f"{origin}: device '{name}': slrs must be at least 1")
    family = str(table.get("family", ""))
    if family and family not in families:
        raise DeviceError(f"{origin}: device '{name}': unknown family '{family}' (known: "
                          f"{', '.join(sorted(families))}; add it under [families])")
    uram_init = table.get("uram_init", families[family].uram_init if family else False)
    if not isinstance(uram_init, bool):
        raise DeviceError(f"{origin}: device '{name}': uram_init must be true or false")
    return Device(
        name=name, lut=count("lut"), ff=count("ff"), bram18=bram18, uram=count("uram"),
        dsp=count("dsp"), slrs=slrs, clock_mhz=float(clock),
        board=str(table.get("board", "")), clock_source=str(table.get("clock_source", "")),
        family=family, uram_init=uram_init,
        sll=count("sll"), sll_source=str(table.get("sll_source", "")),
        part=str(table.get("part", "")),
    )


def parse_families(data: dict[str, Any], origin: str = "<devices>") -> dict[str, Family]:
    """Families of a parsed TOML/JSON document (its optional ``families`` table)."""
    tables = data.get("families", {}) if isinstance(data, dict) else {}
    if not isinstance(tables, dict):
        raise DeviceError(f"{origin}: 'families' must be a table of device families")
    return {name: _family_from_table(name, table, origin) for name, table in tables.items()}


def parse_devices(data: dict[str, Any], origin: str = "<devices>",
                  families: dict[str, Family] | None = None) -> dict[str, Device]:
    """Devices of a parsed TOML/JSON document ``{"devices": {name: {...}}}``; their
    ``family`` fields name entries of the document's ``families`` or of `families`."""
    if not isinstance(data, dict) or not isinstance(data.get("devices"), dict):
        raise DeviceError(f"{origin}: expected a top-level 'devices' table of parts")
    known = {**(families or {}), **parse_families(data, origin)}
    return {name: _device_from_table(name, table, origin, known)
            for name, table in data["devices"].items()}


def _builtin_data() -> dict[str, Any]:
    text = resources.files("rpnn_ir.hw").joinpath("data", "devices.toml").read_text()
    return tomllib.loads(text)


@cache
def builtin_families() -> dict[str, Family]:
    """The device families shipped with rpnn (``rpnn_ir/hw/data/devices.toml``)."""
    return parse_families(_builtin_data(), "rpnn_ir/hw/data/devices.toml")


@cache
def builtin_devices() -> dict[str, Device]:
    """The parts shipped with rpnn (``rpnn_ir/hw/data/devices.toml``)."""
    return parse_devices(_builtin_data(), "rpnn_ir/hw/data/devices.toml", builtin_families())


def family_of_part(part: str) -> Family | None:
    """The built-in family whose part prefix begins `part` (a Vivado part name such as
    ``xczu7ev-ffvc1156-2-e``), or None when no family matches."""
    part = part.lower()
    for family in builtin_families().values():
        if any(part.startswith(prefix) for prefix in family.part_prefixes):
            return family
    return None


def load_devices(path: str | Path | None = None) -> dict[str, Device]:
    """The built-in parts, extended (or overridden by name) by those of a TOML/JSON file."""
    devices = dict(builtin_devices())
    if path:
        path = Path(path)
        try:  # a regular file of bounded size: devices-file=/dev/zero must not read forever
            text = files.read_input(path, "devices file").decode("utf-8")
        except files.FileError as e:
            raise DeviceError(str(e)) from None
        except UnicodeDecodeError as e:
            raise DeviceError(f"devices file '{path}' is not UTF-8 text (invalid byte at "
                              f"offset {e.start})") from None
        try:
            data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
        except (json.JSONDecodeError, tomllib.TOMLDecodeError) as e:
            raise DeviceError(f"devices file '{path}' does not parse: {e}") from None
        devices.update(parse_devices(data, str(path), builtin_families()))
    return devices


def find_device(name: str, devices: dict[str, Device]) -> Device | None:
    """The device `name` names: a short name (``xc7z020``), the device's full part
    (``xc7z020clg400-1``) or another package/speed grade of the same chip (a full part that
    begins with a short name, then a letter or ``-``: ``xc7z020clg484-1``).  A full part
    comes back as the device's `part`, so rpnn-hls writes the one asked for.  None when no
    device matches."""
    if name in devices:
        return devices[name]
    lowered = name.lower()
    for device in devices.values():
        if device.part and device.part.lower() == lowered:
            return device
    for key in sorted(devices, key=len, reverse=True):  # the longest short name first
        after = lowered[len(key):len(key) + 1]
        if lowered.startswith(key.lower()) and (after.isalpha() or after == "-"):
            return replace(devices[key], part=name)
    return None


def unknown_device(name: str, devices: dict[str, Device]) -> str:
    """The one-line error for a device name `find_device` does not know."""
    return (f"unknown device '{name}' (known: {', '.join(sorted(devices))}; add parts with "
            "devices-file=)")


def get_device(name: str, devices_file: str | Path | None = None) -> Device:
    """The part called `name` (built-in or from `devices_file`; see `find_device`)."""
    devices = load_devices(devices_file)
    device = find_device(name, devices)
    if device is None:
        raise DeviceError(unknown_device(name, devices))
    return device


# --------------------------------------------------------------------------- in the IR

DEVICE_ATTR = "rpnn.device"
"""Module attribute: the device (and clock) the design was folded for (docs/ops.md)."""
_COUNTS = ("lut", "ff", "bram18", "uram", "dsp", "slrs", "sll")


def record_device(module: ModuleOp, device: Device, clock_mhz: float) -> None:
    """Record on `module` the device the design is for: name, full part, clock and the
    capacities, so later passes and targets need neither device= nor devices-file=."""
    fields = {
        "name": StringAttr(device.name), "part": StringAttr(device.vivado_part),
        "clock_mhz": FloatAttr(float(clock_mhz), f64), "family": StringAttr(device.family),
        "uram_init": BoolAttr.from_bool(device.uram_init),
        **{c: IntegerAttr(int(getattr(device, c)), 64) for c in _COUNTS},
    }
    module.attributes[DEVICE_ATTR] = DictionaryAttr(fields)


def recorded_device(module: ModuleOp) -> tuple[Device, float] | None:
    """The device and clock `record_device` wrote on `module`, None when there are none.
    A malformed record is a `DeviceError` (it names the attribute and the fix)."""
    attr = module.attributes.get(DEVICE_ATTR)
    if attr is None:
        return None
    problem = f"module attribute {DEVICE_ATTR} is malformed; re-run rpnn-fold or rpnn-pipeline"
    if not isinstance(attr, DictionaryAttr):
        raise DeviceError(problem)
    data = attr.data
    try:
        name, part, family = (data[k].data for k in ("name", "part", "family"))  # type: ignore[attr-defined]
        clock = data["clock_mhz"].value.data  # type: ignore[attr-defined]
        counts = {c: data[c].value.data for c in _COUNTS}  # type: ignore[attr-defined]
        uram_init = data["uram_init"]
    except (KeyError, AttributeError):
        raise DeviceError(problem) from None
    if not all(isinstance(v, str) for v in (name, part, family)) or \
            not isinstance(uram_init, IntegerAttr) or not clock > 0:
        raise DeviceError(problem)
    device = Device(name=name, part=part, family=family, clock_mhz=float(clock),
                    uram_init=bool(uram_init.value.data), **counts)
    return device, float(clock)


_ULTRASCALE_PLUS = re.compile(r"xc(zu|u2|u5|au|vu\d+p|ku\d+p)", re.IGNORECASE)
_ULTRASCALE = re.compile(r"xc(vu|ku)\d", re.IGNORECASE)


def yosys_family(part: str, device: Device | None = None) -> str | None:
    """The `synth_xilinx -family` of a part: xc7 (7-series, Zynq-7000), xcup (UltraScale+:
    Zynq UltraScale+, Alveo, Virtex/Kintex ...P), xcu (UltraScale); None when Yosys has
    none for it (Versal, unknown parts)."""
    if (device is not None and device.family == "zynq7000") or part.lower().startswith("xc7"):
        return "xc7"
    if _ULTRASCALE_PLUS.match(part):
        return "xcup"
    if _ULTRASCALE.match(part):
        return "xcu"
    return None
