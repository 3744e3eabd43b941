"""Column labels for tables that become stacked rows on narrow screens (WCAG 1.4.10 reflow).

Every table of the tool is written inside the ``stacked_table`` macro (templates/_tables.html),
which passes the table's HTML through :func:`label_cells`: each body cell gets a ``data-label``
with its column's header text, which the style sheet shows beside the value once the rows are
stacked. The labels come from the headers themselves, so they are translated and never drift.
"""

import html
import re

from markupsafe import Markup, escape

_TAG = re.compile(r"<(/?)(thead|tbody|tfoot|tr|th|td)\b([^>]*)>", re.IGNORECASE)
_COLSPAN = re.compile(r"""\bcolspan\s*=\s*["']?(\d+)""", re.IGNORECASE)
_MARKUP = re.compile(r"<[^>]*>")


def _span(attributes: str) -> int:
    found = _COLSPAN.search(attributes)
    return max(1, int(found.group(1))) if found else 1


def _text(fragment: str) -> str:
    return " ".join(html.unescape(_MARKUP.sub(" ", fragment)).split())


def column_labels(header_rows: list[list[tuple[str, int]]]) -> list[str]:
    """One label per column from the header rows (each a list of (text, colspan)): the texts
    of a column's headers top to bottom, a group header and a column header joined by " – "."""
    columns: list[list[str]] = []
    for row in header_rows:
        position = 0
        for text, span in row:
            for column in range(position, position + span):
                while len(columns) <= column:
                    columns.append([])
                if text and text not in columns[column]:
                    columns[column].append(text)
            position += span
    return [" – ".join(texts) for texts in columns]


def label_cells(table_html: str) -> Markup:
    """``table_html`` with ``data-label="<column header>"`` on every body ``td`` that spans one
    column and has a non-empty header. Header rows are the rows of ``thead``, or without one the
    leading rows made only of ``th`` cells. Row headers (``th`` in the body) stay unlabelled: a
    stacked row shows them as its heading."""
    tags = list(_TAG.finditer(table_html))
    header_rows: list[list[tuple[str, int]]] = []
    body_cells: list[tuple[re.Match[str], int]] = []  # each single-column td and its column
    section: str | None = None
    row: list[tuple[int, int]] = []  # (index in tags, colspan) of each cell of the row so far
    for index, tag in enumerate(tags):
        closing, name = tag.group(1), tag.group(2).lower()
        if name in ("thead", "tbody", "tfoot"):
            section = None if closing else name
        elif name == "tr" and not closing:
            row = []
        elif name in ("th", "td") and not closing:
            row.append((index, _span(tag.group(3))))
        elif name == "tr":
            names = [tags[i].group(2).lower() for i, _ in row]
            leading = section is None and not body_cells and row and set(names) == {"th"}
            if section == "thead" or leading:
                # A cell's content runs to the next cell or the row's end.
                header_rows.append([(_text(table_html[tags[i].end() : tags[i + 1].start()]), span) for i, span in row])
                continue
            column = 0
            for (i, span), cell in zip(row, names, strict=True):
                if cell == "td" and span == 1:
                    body_cells.append((tags[i], column))
                column += span
    labels = column_labels(header_rows)
    out: list[str] = []
    done = 0
    for tag, column in body_cells:
        if column < len(labels) and labels[column] and "data-label" not in tag.group(3):
            end = tag.end() - (2 if tag.group(0).endswith("/>") else 1)
            out += [table_html[done:end], f' data-label="{escape(labels[column])}"']
            done = end
    out.append(table_html[done:])
    return Markup("".join(out))
