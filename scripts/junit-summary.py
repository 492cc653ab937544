"""Print one plain closing line from a pytest JUnit XML report: ``pytest: N passed, N failed, N skipped``.

Usage: python scripts/junit-summary.py out/pytest-junit.xml
Exit status 1 when the report is missing or counts no test at all.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def main(path: str) -> int:
    report = Path(path)
    if not report.exists():
        print(f"pytest: no report at {report}", file=sys.stderr)
        return 1
    root = ET.parse(report).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    tests = failed = skipped = 0
    for suite in suites:
        tests += int(suite.get("tests", 0))
        failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0))
    passed = tests - failed - skipped
    print(f"pytest: {passed} passed, {failed} failed, {skipped} skipped")
    return 0 if tests > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "out/pytest-junit.xml"))
