"""The shell, read as bash would: from a command line to the simple commands it runs and
the words they get. The bottom layer of the policy; it knows nothing about programs.

- `words`        `Word` (one shell word after quote removal), the `SimpleCommand` and
                 `Redirect` built of words, and the helpers that build them
- `syntax`       tree-sitter-bash set up once: the parser, node kinds, `Analysis`
- `word_reader`  reads one word from the syntax tree: quotes, escapes, `$'...'`, braces
- `code_expansions`  expansions that run code hidden in a value (`${x@P}`, `${!x}`,
                 arithmetic on a variable the script sets to text)
- `analysis`     `analyze`: a script -> its simple commands, redirects and substitutions
"""
