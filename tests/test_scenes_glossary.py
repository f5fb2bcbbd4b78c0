"""One symbol, one meaning across the talk, defined on screen the first time a scene uses it.

The meanings live in ``scenes/glossary.py``; a scene shows them with ``self.define(...)``. For every scene,
the glossary symbols on screen at each key frame and in each caption must be defined at or before that moment.
"""

from __future__ import annotations

import shutil

import pytest

from scenes.glossary import SYMBOLS, find_symbols
from studio import registry
from studio.timing import SymbolInspector, timeline, undefined_symbols

SCENES = registry.scenes()
HAVE_LATEX = shutil.which("latex") is not None and shutil.which("dvisvgm") is not None


def test_the_glossary_gives_each_symbol_one_meaning():
    meanings = [s.meaning for s in SYMBOLS.values()]
    assert len(set(meanings)) == len(meanings)
    forms = [f for s in SYMBOLS.values() for f in (s.text, *s.tex)]
    assert len(set(forms)) == len(forms), "a form names two symbols"
    assert all(s.meaning and len(s.meaning) <= 70 for s in SYMBOLS.values())


def test_symbols_are_found_in_text_and_formulas():
    assert find_symbols("weights below τ; μ̂ near μ") == {"τ", "μ̂", "μ"}
    assert find_symbols("the estimate μ̂") == {"μ̂"}
    assert find_symbols(r"w_i \leftarrow w_i(1-\eta\,\ell_i)", tex=True) == {"w", "η", "ℓ"}
    assert find_symbols(r"z=\mathrm{sgn}(\sum_i w_i a_i)", tex=True) == {"z", "w", "a"}
    assert find_symbols("a Byzantine source", tex=False) == set()


@pytest.mark.scene
@pytest.mark.parametrize("name", list(SCENES))
def test_every_symbol_is_defined_before_use(name):
    if not HAVE_LATEX:
        pytest.skip("LaTeX (latex, dvisvgm) is not installed")
    insp = SymbolInspector()
    tm = timeline(name, observers=[insp])
    assert undefined_symbols(tm, insp) == []
