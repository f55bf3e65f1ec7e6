"""Write ``docs/rules.md`` from the validator's rule catalogue. A test checks it is current.

Run: ``python tools/build_rules_doc.py``.
"""

from __future__ import annotations

from pathlib import Path

from tvaers.validation.rulesdoc import rules_markdown

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "rules.md"

if __name__ == "__main__":
    OUT.write_text(rules_markdown(), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
