"""Model backends: one small interface, the real API behind it, a scripted one for tests
and the demo.

- `base`       `Backend`, `TurnRequest`, `TurnResult` and the stream events
- `anthropic`  the Anthropic Messages API: streaming, tool use, prompt caching
- `deferred`   the Anthropic backend, loaded (SDK and all) when first needed
- `scripted`   plays a YAML script of turns
"""
