"""Placeholders in staff-written pages: `{{ delivery.fee }}` becomes the configured figure.

Staff text is never a template: only the names listed by the caller are replaced, by plain
string substitution, so nothing a member of staff types can run code or reach the app.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

#: `{{ name }}`: lower-case words joined by dots or hyphens (no underscores, which
#: Markdown could read as emphasis), with optional spaces inside the braces.
PLACEHOLDER = re.compile(r"\{\{\s*([a-z]+(?:[.-][a-z]+)*)\s*\}\}")


def unknown_placeholders(text: str, known: Iterable[str]) -> list[str]:
    """The placeholder names in `text` that are not in `known`, in order, each once."""
    allowed = set(known)
    found: list[str] = []
    for name in PLACEHOLDER.findall(text):
        if name not in allowed and name not in found:
            found.append(name)
    return found


def fill(html: str, values: Mapping[str, str]) -> str:
    """Replace each known placeholder in rendered HTML with its (already escaped) value.

    An unknown name is left as it was typed, so a mistake shows on the page rather than
    vanishing.
    """
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), html)
