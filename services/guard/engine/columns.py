"""In a table, the context words of a match are its column's header and its own cell.

Presidio raises a weak match's score when a context word ("ssn", "phone", "account") is among the few words around
it. In a pasted table the word is the column's header, rows away, and the words around a cell are other columns' and
rows': nine bare digits under "SSN" were an SSN in 1 of 8 rows of a CSV export and 0 of 8 of a Markdown table, and
the ids in the column next to them were SSNs in the first rows, near the header's "ssn". A table here is a header and
at least two rows, each line cut into the same number of cells by one delimiter (a tab, "|", "," or ";"), the header
a line of short labels (a Markdown table's "|---|" line is skipped).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re

_DELIMITERS = ("\t", "|", ",", ";")
_RULE = re.compile(r"\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?")  # a Markdown table's header rule
_WORD = re.compile(r"[^\W\d_][^\W_]*")  # a word of letters (any script), then letters or digits
_LABEL_CHARS = 40
_ROW_CHARS = 2_000  # a longer line is no row (and a cell's context is read in time linear in its row's length)


@functools.lru_cache(maxsize=4)
def columns_of(text: str) -> Columns:
    """The text's tables, found once: the context enhancer and the PII detector's id-column check read the same text
    (4 kept: one per guard thread, with room)."""
    return Columns(text)


class Columns:
    """Per line of one text: the header cells of the table it is a row of, if any. Built once per text, O(length)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0, *(m.end() for m in re.finditer("\n", text))]
        self.headers: dict[int, tuple[str, list[str]]] = {}  # line index -> (delimiter, header cells)
        lines = text.split("\n")
        shapes = [_shape(line) for line in lines]
        i = 0
        while i < len(lines):
            shape = shapes[i]
            j = i + 1
            while j < len(lines) and shape is not None and (shapes[j] == shape or _RULE.fullmatch(lines[j].strip())):
                j += 1
            rows = [k for k in range(i + 1, j) if not _RULE.fullmatch(lines[k].strip())]
            if shape is not None and len(rows) >= 2:
                cells = _cells(lines[i], shape[0])
                if all(0 < len(c.strip()) <= _LABEL_CHARS for c in cells) and any(c.isalpha() for c in lines[i]):
                    for k in rows:
                        self.headers[k] = (shape[0], cells)
            i = j

    def cell_context(self, at: int) -> list[str] | None:
        """The lower-cased words of the header over the cell holding offset ``at`` and of that cell (None outside a
        table's rows)."""
        found = self.cell(at)
        return None if found is None else _WORD.findall(" ".join(found).lower())

    def header_words(self, at: int) -> list[str]:
        """The lower-cased words of the header over the cell holding offset ``at`` ([] outside a table's rows)."""
        found = self.cell(at)
        return [] if found is None else _WORD.findall(found[0].lower())

    def cell(self, at: int) -> tuple[str, str] | None:
        """(header, cell) of the table cell holding offset ``at``; None outside a table's rows."""
        line = bisect.bisect_right(self.starts, at) - 1
        found = self.headers.get(line)
        if found is None:
            return None
        delimiter, cells = found
        row_start = self.starts[line]
        row_end = self.text.find("\n", at)
        row_end = len(self.text) if row_end < 0 else row_end
        before = self.text[row_start:at]
        column = before.count(delimiter) - (1 if delimiter == "|" and before.lstrip().startswith("|") else 0)
        cell_start = row_start + before.rfind(delimiter) + 1
        cell_end = self.text.find(delimiter, at, row_end)
        cell = self.text[cell_start:cell_end if cell_end >= 0 else row_end]
        return (cells[column] if 0 <= column < len(cells) else ""), cell

    def cells_under(self, wanted) -> list[tuple[int, int]]:
        """(start, end) of every non-empty cell, blanks trimmed, in a column whose header ``wanted`` accepts (it is
        given the header's lower-cased words)."""
        spans = []
        for line, (delimiter, header) in self.headers.items():
            columns = {j for j, h in enumerate(header) if wanted(_WORD.findall(h.lower()))}
            if not columns:
                continue
            start = self.starts[line]
            end = self.text.find("\n", start)
            end = len(self.text) if end < 0 else end
            bounds = [start - 1, *(start + i for i, c in enumerate(self.text[start:end]) if c == delimiter), end]
            cells = list(itertools.pairwise(bounds))
            if delimiter == "|" and self.text[start:end].strip().startswith("|"):
                cells = cells[1:]  # "| a | b |": the outer pipes open and close the row
            for j in columns:
                if j < len(cells):
                    s, e = cells[j][0] + 1, cells[j][1]
                    while s < e and self.text[s].isspace():
                        s += 1
                    while e > s and self.text[e - 1].isspace():
                        e -= 1
                    if s < e:
                        spans.append((s, e))
        return spans


def _shape(line: str) -> tuple[str, int] | None:
    """(delimiter, number of delimiters) of a line that could be a table row."""
    if len(line) > _ROW_CHARS:
        return None
    for delimiter in _DELIMITERS:
        n = line.count(delimiter)
        if n >= (2 if delimiter == "|" else 1):
            return delimiter, n
    return None


def _cells(line: str, delimiter: str) -> list[str]:
    if delimiter == "|":  # "| a | b |": the outer pipes open and close the row
        line = line.strip().removeprefix("|").removesuffix("|")
    return line.split(delimiter)
