"""A CJK font for the charts. No CJK font is installed on a plain server, and matplotlib's own
(DejaVu Sans) has no Chinese glyphs: labels would be drawn as empty boxes (tofu). The font comes
from the ``mplfonts`` package (a dependency: Noto Sans CJK SC, SIL Open Font License), registered
with matplotlib by its file path; matplotlib's rc files are left alone. Noto Sans CJK SC also has
the traditional characters the zh-Hant labels use, and Latin letters and digits."""

from __future__ import annotations

import importlib.util
import threading
from functools import cache
from pathlib import Path

FAMILY = "Noto Sans CJK SC"
FILE = "NotoSansCJKsc-Regular.otf"
_LOCK = threading.Lock()


class NoCJKFont(RuntimeError):
    """The font package is missing: the charts would show boxes instead of Chinese."""


def font_path() -> Path:
    """The font file shipped by ``mplfonts`` (found without importing it)."""
    spec = importlib.util.find_spec("mplfonts")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "fonts" / FILE
        if path.is_file():
            return path
    raise NoCJKFont(f"{FILE} not found: install the mplfonts package (pip install mplfonts)")


@cache
def cjk_family() -> str:
    """Register the font with matplotlib once; returns the family name to draw with."""
    from matplotlib import font_manager

    with _LOCK:
        font_manager.fontManager.addfont(str(font_path()))
    return FAMILY
