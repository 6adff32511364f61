"""Where cockpit's files are and what they say: read by the CLI, passed down as values.

- `workspace`    the workspace root, its `.cockpit/` paths, reading config.yaml's sections
- `settings`     `Settings`: keys, screen and model limits, typed and frozen
- `keys`         the one key table: every binding id, its default key and what it does
- `user`         the user's own cockpit folder (the log key and anchors)
- `yaml_source`  YAML with line numbers, so every error names the file and line
"""
