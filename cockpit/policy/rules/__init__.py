"""Rules: the YAML rule files, how rules match invocations and paths, and the grants a
session adds. Above `programs` (rules name programs the same way handlers do), below
`classify` and the engine.

- `matching`  `Rule`, `RuleSet`: program rules and path rules, matched
- `loading`   rule files: YAML loading and validation, every error names file:line
- `checks`    the built-in checks the knowledge reports (their tiers live in the YAML)
- `grants`    "allow this for the session": the narrowest useful rule, never a shell
"""
