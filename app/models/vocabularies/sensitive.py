"""Sensitive-text detection in free text (health, religion, justice…): the terms of ``sensitive_terms``
folded one character for one, so that a match position holds in the original text."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from app.models.text import fold_same_length


def terms_regex(terms: Iterable[str]) -> re.Pattern[str] | None:
    patterns = []
    for term in sorted({fold_same_length(t.strip()) for t in terms}, key=len, reverse=True):
        prefix = term.endswith("*")
        words = term.rstrip("*").split()
        if words:
            patterns.append(r"\s+".join(map(re.escape, words)) + (r"\w*" if prefix else ""))
    return re.compile(r"(?<!\w)(?:" + "|".join(patterns) + r")(?!\w)") if patterns else None


@dataclass(frozen=True)
class SensitiveCategory:
    label: str
    terms: re.Pattern[str]
    exceptions: re.Pattern[str] | None

    def matches(self, text: str, folded: str) -> list[str]:
        if self.exceptions is not None:
            folded = self.exceptions.sub(lambda m: " " * len(m.group()), folded)
        found: dict[str, str] = {}
        for match in self.terms.finditer(folded):
            found.setdefault(match.group(), text[match.start() : match.end()])
        return list(found.values())
