"""Where a sign-in may send people on to: the ?next= rule both sign-in pages share."""

from __future__ import annotations

from urllib.parse import urlsplit


def local_path(target: str | None, under: str = "/") -> str | None:
    """`target` when it is a path of this site beginning with `under`, else None.

    Another host, a scheme-relative //host and a backslash (which browsers read as a slash,
    so /\\host is another host) are all refused: a sign-in never bounces anyone elsewhere.
    """
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith(under):
        return None
    if target.startswith("//") or "\\" in target:
        return None
    return target
