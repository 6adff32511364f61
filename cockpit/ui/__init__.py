"""The cockpit screen (Textual). The only package that imports Textual.

The CLI runs it (`cockpit.cli.screen`, `cockpit.cli.replay`). Importing this package
imports nothing else.
"""
