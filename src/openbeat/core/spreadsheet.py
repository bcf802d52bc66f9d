"""The one CSV writer of every export, public and staff: no cell runs as a formula.

Spreadsheet programs run a cell that starts with = + - @ (and, in some, a tab or carriage return
before one) as a formula, so a resident who writes `=HYPERLINK(…)` or `+cmd|…` in a report
would have it run on whoever opens the export (CSV injection). Such a cell is written with a
leading apostrophe, which the programs show as text; a plain number (a longitude, -75.6) stays
a number. Cells are also cleaned of the characters stored text may not hold, so a control
character before the `=` cannot hide it.
"""

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

from openbeat.core import plaintext

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


class _Out(Protocol):
    def write(self, text: str, /) -> Any: ...


def cell(value: object) -> str:
    """A value as a cell a spreadsheet shows and never runs."""
    if value is None:
        return ""
    text = plaintext.clean(str(value))
    if text.startswith(FORMULA_TRIGGERS) and not NUMBER.fullmatch(text):
        return "'" + text
    return text


class Writer:
    """csv.writer's interface, every cell through `cell`."""

    def __init__(self, out: _Out) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)
