"""Case patterns, matched exactly as the runner's --cases does (harness/runner/selection.cpp).

`6.4.3` names one case; with `*` a pattern is anchored at the start only (Autobahn's rule), so
`1.*` selects 1.1.1 but not 10.1.1, and `6.4` without a star selects 6.4 alone. `@slow` selects
the cases tagged `slow` (the optional `tags` list of a case entry).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Case

_ID_PATTERN = re.compile(r"[0-9A-Za-z._*-]+")
_TAG_PATTERN = re.compile(r"@[a-z0-9-]+")


class PatternError(ValueError):
    pass


@dataclass(frozen=True)
class CasePattern:
    text: str

    @classmethod
    def parse(cls, text: str) -> "CasePattern":
        text = text.strip()
        if not text:
            raise PatternError("empty case pattern")
        if text.startswith("@"):
            if not _TAG_PATTERN.fullmatch(text):
                raise PatternError(f"bad tag pattern '{text}' (tags are lower-case words, "
                                   "e.g. @slow)")
        elif not _ID_PATTERN.fullmatch(text):
            bad = next(c for c in text if not _ID_PATTERN.fullmatch(c))
            raise PatternError(f"bad character '{bad}' in case pattern '{text}' (use ids like "
                               "6.4.1 and '*' wildcards)")
        return cls(text)

    def matches(self, case: Case) -> bool:
        if self.text.startswith("@"):
            return self.text[1:] in case.tags
        if "*" not in self.text:
            return self.text == case.id
        return _glob(self.text + "*", case.id)


def _glob(pattern: str, text: str) -> bool:
    """'*' matches any run of characters; everything else matches itself."""
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, text, re.DOTALL) is not None
