import unittest

from textstats.core import line_count, word_count


class WordCountTest(unittest.TestCase):
    def test_single_spaces(self):
        self.assertEqual(word_count("the quick brown fox"), 4)

    def test_runs_of_spaces(self):
        self.assertEqual(word_count("the  quick   fox"), 3)

    def test_newlines_and_tabs(self):
        self.assertEqual(word_count("one\ntwo\tthree\n"), 3)

    def test_empty(self):
        self.assertEqual(word_count(""), 0)


class LineCountTest(unittest.TestCase):
    def test_lines(self):
        self.assertEqual(line_count("a\nb\n"), 2)

    def test_last_line_without_newline(self):
        self.assertEqual(line_count("a\nb"), 2)

    def test_empty(self):
        self.assertEqual(line_count(""), 0)


if __name__ == "__main__":
    unittest.main()
