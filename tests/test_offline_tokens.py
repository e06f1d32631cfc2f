"""tiktoken and litellm work with the network blocked.

Each check runs in a fresh interpreter whose socket module refuses every
connection, with an empty tiktoken cache, so a download attempt would fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BLOCK_NETWORK = textwrap.dedent(
    """
    import socket
    class _Blocked(OSError):
        pass
    def _refuse(*args, **kwargs):
        raise _Blocked("network disabled in this test")
    socket.socket.connect = _refuse
    socket.socket.connect_ex = _refuse
    socket.create_connection = _refuse
    socket.getaddrinfo = _refuse
    """
)


def _run(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("TIKTOKEN_CACHE_DIR")}
    env.pop("LITELLM_LOCAL_MODEL_COST_MAP", None)
    env["HOME"] = str(tmp_path)  # no cache from a previous run
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    return subprocess.run(
        [sys.executable, "-c", BLOCK_NETWORK + textwrap.dedent(code)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_token_counting_offline(tmp_path: Path) -> None:
    result = _run(
        """
        from interviewer.tokens import count_tokens
        import os, sys
        n = count_tokens("Design a smart email composer for 300M users.")
        assert 5 < n < 30, n
        assert "litellm" not in sys.modules  # counting tokens never pays for litellm
        print("OK", n, os.environ["TIKTOKEN_CACHE_DIR"])
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK")
    assert "litellm_core_utils/tokenizers" in result.stdout


def test_litellm_imports_and_counts_offline(tmp_path: Path) -> None:
    result = _run(
        """
        import os
        from interviewer import llm
        lit = llm._litellm()
        assert os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
        n = lit.token_counter(model="gpt-4o", messages=[{"role": "user", "content": "hello there"}])
        cost = lit.completion_cost(model="gpt-4o-mini", prompt="hi", completion="there")
        print("OK", n, cost > 0)
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[:1] == ["OK"]
    assert result.stdout.split()[2] == "True"
