"""Compile locale/*/LC_MESSAGES/*.po to .mo with polib, so no gettext install is needed to run."""

from pathlib import Path

import polib

root = Path(__file__).resolve().parent.parent / "locale"
for po_path in sorted(root.glob("*/LC_MESSAGES/*.po")):
    po = polib.pofile(str(po_path))
    mo_path = po_path.with_suffix(".mo")
    if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        continue
    po.save_as_mofile(str(mo_path))
    print(f"compiled {po_path.relative_to(root.parent)} ({po.percent_translated()}% translated)")
