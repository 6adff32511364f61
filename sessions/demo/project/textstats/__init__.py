"""textstats: count the words and lines in text."""

__version__ = "0.3.0"
