"""Which request paths the gateway accepts. A path is forwarded as sent, so it must already be normal: an HTTP
client (aiohttp/yarl) would resolve ``/v1/budgets/../../metrics`` to the service's ``/metrics``, and a service
decoding ``%2f`` or ``\\`` differently from the gateway would route somewhere the gateway never checked."""
from __future__ import annotations

import re

# Percent-encodings of the characters that change how a path splits or resolves: '.', '/', '\' and '%' itself
# (a double encoding, %252e, turns into %2e one decode later); and any control character, encoded or not.
_ENCODED = re.compile(r"%(2e|2f|5c|25|[01][0-9a-f]|7f)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def refusal(path: str, raw_path: bytes | None) -> str | None:
    """Why the path is refused (the 400's detail), or None when it is a plain, normal path."""
    raw = raw_path.decode("latin-1") if raw_path else path
    for text in (raw, path):
        if "\\" in text:
            return "backslashes are not allowed in the path"
        if "//" in text:
            return "empty path segments (//) are not allowed"
        if _CONTROL.search(text):
            return "control characters are not allowed in the path"
        # No API path has a segment starting with a dot: this refuses '.', '..' and tricks such as '..;'.
        if any(segment.startswith(".") for segment in text.split("/")):
            return "dot segments (. and ..) are not allowed in the path"
    if match := _ENCODED.search(raw):
        return f"the percent-encoded character {match.group(0)} is not allowed in the path"
    return None
