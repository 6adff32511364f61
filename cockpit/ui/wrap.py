"""Wrapping a transcript line into rows: after a space where there is one, with the
spaces of a break ending the row before it (so no row but the first starts with one), and
rows that join back into the line exactly (a copied selection is the line as written)."""

from __future__ import annotations

from rich.cells import cell_len, get_character_cell_size


def wrap_ascii(text: str, width: int) -> list[str]:
    """``text`` in rows of at most ``width`` characters, broken after a space where there
    is one (else inside the word). The spaces at a break end the row before it (past its
    width, where they are not drawn), so no continuation row starts with a space; the rows
    join back into ``text`` exactly."""
    rows: list[str] = []
    start, end = 0, len(text)
    while end - start > width:
        limit = start + width  # the first character past the row
        if text[limit] == " ":
            cut = limit  # a word ends with the row
        else:
            word = start
            while word < limit and text[word] == " ":
                word += 1  # an indentation is no place to break
            space = text.rfind(" ", word, limit)
            cut = limit if space == -1 else space + 1
        while cut < end and text[cut] == " ":
            cut += 1
        rows.append(text[start:cut])
        start = cut
    if start < end or not rows:
        rows.append(text[start:])
    return rows


def wrap_cells(text: str, width: int) -> list[str]:
    """Like `wrap_ascii` for any text: rows of at most ``width`` terminal cells (a wide
    character takes two) besides the spaces that end them."""
    rows: list[str] = []
    row_start, cells, last_space, word_seen = 0, 0, -1, False
    for index, char in enumerate(text):
        size = get_character_cell_size(char)
        if char == " ":
            if word_seen:  # not the row's indentation
                last_space = index
        elif cells + size > width and index > row_start:
            # after the row's last space (and the spaces there), else inside the word
            cut = last_space + 1 if last_space >= row_start else index
            rows.append(text[row_start:cut])
            row_start, last_space = cut, -1
            cells = cell_len(text[row_start:index])
        if char != " ":
            word_seen = True
        cells += size
    rows.append(text[row_start:])
    return rows


def visible(row: str, width: int) -> str:
    """What of a row is drawn: the spaces that end it past the width are not."""
    if len(row) > width and not row[width:].strip(" "):
        return row[:width]
    return row
