"""The fake Messages API as a separate process, the way end-to-end tests start it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cockpit.agent.backends.anthropic import AnthropicBackend
from cockpit.agent.backends.base import TurnRequest
from tests.waiting import wait_until_sync

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """\
- status: 529
  retry_after: 0.01
- text: "Listing files."
  tool_use: {name: list_files, input: {path: src}}
  usage: {input_tokens: 321, output_tokens: 12}
"""


async def test_runs_as_a_process_with_a_port_file_and_a_requests_log(tmp_path: Path) -> None:
    script = tmp_path / "replies.yaml"
    script.write_text(SCRIPT, encoding="utf-8")
    port_file, log = tmp_path / "port", tmp_path / "requests.jsonl"
    args = ["--script", script, "--port-file", port_file, "--requests-log", log]
    proc = subprocess.Popen([sys.executable, "-m", "tests.fakeapi", *map(str, args)], cwd=ROOT)
    try:
        wait_until_sync(
            lambda: port_file.exists() or proc.poll() is not None, "its port", timeout=20
        )
        assert port_file.exists(), "the fake API exited before listening"
        url = f"http://127.0.0.1:{int(port_file.read_text())}"
        backend = AnthropicBackend.from_env({"ANTHROPIC_API_KEY": "k", "ANTHROPIC_BASE_URL": url})
        request = TurnRequest("claude-haiku-5-5", "sys", [{"role": "user", "content": "go"}])
        result = await backend.turn(request, lambda e: None)
        await backend.aclose()
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0

    assert result.tool_calls[0]["input"] == {"path": "src"}
    assert result.usage.input_tokens == 321
    logged = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert len(logged) == 2
    assert logged[1]["body"]["messages"][0]["content"][0]["text"] == "go"
    assert logged[1]["headers"]["x-stainless-retry-count"] == "1"
