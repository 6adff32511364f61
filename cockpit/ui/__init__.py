"""The cockpit screen (Textual). The only package that imports Textual.

Entry point: `cockpit.ui.app.open_screen`. Importing this package imports nothing else.
"""
