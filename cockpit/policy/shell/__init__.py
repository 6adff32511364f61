"""The shell, read as bash would: from a command line to the simple commands it runs and
the words they get. The bottom layer of the policy; it knows nothing about programs.

- `words`        `Word`: one shell word after quote removal, and the helpers that build it
- `syntax`       tree-sitter-bash set up once: the parser, node kinds, `SimpleCommand`,
                 `Redirect`, `Analysis`
- `word_reader`  reads one word from the syntax tree: quotes, escapes, `$'...'`, braces
- `analysis`     `analyze`: a script -> its simple commands, redirects and substitutions
"""
