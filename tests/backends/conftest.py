"""Fixtures of the backend tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rpnn_ir.backends import hls_csim


@pytest.fixture(scope="session")
def ap_types() -> Path:
    """The Xilinx ap_types headers for C simulation with g++ (skipped without them)."""
    if shutil.which("g++") is None:
        pytest.skip("needs g++")
    try:
        return hls_csim.ap_types_dir()
    except hls_csim.CsimError as e:
        pytest.skip(f"no ap_types headers: {e}")
