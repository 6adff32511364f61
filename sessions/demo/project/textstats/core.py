"""Counting words and lines."""


def word_count(text):
    """The number of words in `text`: runs of characters between whitespace."""
    return len(text.split(" "))


def line_count(text):
    """The number of lines in `text`; a last line without a newline still counts."""
    if not text:
        return 0
    return text.count("\n") + (0 if text.endswith("\n") else 1)
