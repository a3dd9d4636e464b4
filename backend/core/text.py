"""Text that a database can store: no NUL characters, no lone surrogates.

PostgreSQL refuses NUL in text and no database can encode a lone surrogate as UTF-8. Input
from users is refused at the edge (422); text the platform did not choose (a model's answer,
a provider's error message, words extracted from a file) is cleaned with this instead.
"""

from __future__ import annotations

import re

_SURROGATE = re.compile(r"[\ud800-\udfff]")


def unstorable(text: str) -> bool:
    return "\x00" in text or _SURROGATE.search(text) is not None


def storable(text: str) -> str:
    if not unstorable(text):
        return text
    return _SURROGATE.sub("\ufffd", text.replace("\x00", ""))
