"""Print the size of a PyInstaller bundle (``dist/fil-rouge``): total, ratio to the size before issue #14 was
trimmed, the largest parts, and what the trimming is meant to keep out (Qt translations, OpenGL, cffi backend).

    python scripts/bundle-size.py [dist/fil-rouge]
"""

from __future__ import annotations

import sys
from pathlib import Path

#: dist/fil-rouge on Linux before the trimming (one executable, 99 Qt translations, both zstandard backends,
#: QtOpenGL, no aiohttp, no PDFium): benchmarks/README.md.
BEFORE_BYTES = 319_244_396


def _parts(root: Path) -> dict[str, int]:
    """Bytes per top-level entry (inside ``_internal``, one level further)."""
    sizes: dict[str, int] = {}
    for f in root.rglob("*"):
        if f.is_file() and not f.is_symlink():
            rel = f.relative_to(root).parts
            key = "/".join(rel[:2]) if rel[0] == "_internal" and len(rel) > 1 else rel[0]
            sizes[key] = sizes.get(key, 0) + f.stat().st_size
    return sizes


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "dist/fil-rouge")
    if not root.is_dir():
        print(f"bundle-size: {root} not found (make package)", file=sys.stderr)
        return 1
    parts = _parts(root)
    total = sum(parts.values())
    translations = sorted(p.name for p in root.rglob("translations/*.qm"))
    print(
        f"bundle size / before: {total / BEFORE_BYTES:.2f} ({total / 1e6:.1f} MB, before {BEFORE_BYTES / 1e6:.1f} MB)"
    )
    print(f"bundle files: {sum(1 for f in root.rglob('*') if f.is_file())}")
    print(f"Qt translations: {len(translations)} ({', '.join(translations)})")
    unwanted = [p for p in ("OpenGLWidgets", "EglFS", "backend_cffi", "_cffi.cpython", "libqgtk3", "pydantic_core", "QtQml")
                if any(p in str(f) for f in root.rglob(f"*{p}*"))]  # fmt: skip
    print(f"left out as intended: {'yes' if not unwanted else 'no: ' + ', '.join(unwanted)}")
    for name, size in sorted(parts.items(), key=lambda kv: -kv[1])[:12]:
        print(f"  {size / 1e6:7.1f} MB  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
