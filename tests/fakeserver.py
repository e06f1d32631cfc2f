"""A scripted OpenAI-compatible chat server on 127.0.0.1 for tests.

It speaks just enough of ``/v1/chat/completions`` (streamed SSE and plain
JSON) and ``/v1/models`` for litellm's ``openai/<name>`` provider to treat it
like Ollama, llama.cpp or vLLM. Replies come from a queue; each may inject a
delay, an HTTP error, a dropped connection, or wait until several requests
are in flight at once (to prove concurrency without timing).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    text: str = "Thanks. Could you say more about that?"
    status: int = 200
    error: str | None = None
    delay: float = 0.0
    # Hold this reply until this many requests have been in flight at once
    # (max_in_flight, so a fast sibling finishing first cannot strand it).
    rendezvous: int = 0
    # Close the socket without answering (a crashed server).
    drop: bool = False
    chunk_size: int = 6
    # Seconds between streamed chunks (a server generating at a given speed).
    chunk_delay: float = 0.0
    # Extra response headers (e.g. Retry-After on a 429).
    headers: dict[str, str] = field(default_factory=dict)
    # Report this many prompt tokens as served from the prompt cache (as OpenAI does).
    cached_tokens: int = 0


@dataclass
class Recorded:
    body: dict[str, Any]
    path: str
    started: float
    finished: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    # time.monotonic() as each streamed content chunk was flushed (for the benches).
    chunk_times: list[float] = field(default_factory=list)

    @property
    def messages(self) -> list[dict[str, str]]:
        return list(self.body.get("messages", []))

    @property
    def system(self) -> str:
        return "\n".join(m["content"] for m in self.messages if m.get("role") == "system")

    @property
    def prompt_text(self) -> str:
        return "\n".join(str(m.get("content", "")) for m in self.messages)


class FakeOpenAI:
    def __init__(self) -> None:
        self.queue: deque[Reply] = deque()
        self.default = Reply()
        self.responder: Callable[[dict[str, Any]], Reply | str | None] | None = None
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._in_flight = 0
        self._cond = threading.Condition(self._lock)
        self.max_in_flight = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- control ------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def script(self, *replies: Reply | str) -> None:
        for r in replies:
            self.queue.append(Reply(text=r) if isinstance(r, str) else r)

    @property
    def chat_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def _next_reply(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            if self.queue:
                return self.queue.popleft()
        if self.responder is not None:
            got = self.responder(body)
            if isinstance(got, str):
                return Reply(text=got)
            if got is not None:
                return got
        return self.default

    # --- HTTP ---------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._json(200, {"object": "list", "data": [{"id": "scripted", "object": "model"}]})
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    self._json(400, {"error": {"message": "invalid JSON body"}})
                    return
                rec = Recorded(
                    body=body,
                    path=self.path,
                    started=time.monotonic(),
                    headers={k.lower(): v for k, v in self.headers.items()},
                )
                with fake._lock:
                    fake.requests.append(rec)
                reply = fake._next_reply(body)
                with fake._cond:
                    fake._in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake._in_flight)
                    fake._cond.notify_all()
                    if reply.rendezvous:
                        fake._cond.wait_for(lambda: fake.max_in_flight >= reply.rendezvous, timeout=10)
                try:
                    self._serve(body, reply, rec)
                finally:
                    rec.finished = time.monotonic()
                    with fake._cond:
                        fake._in_flight -= 1
                        fake._cond.notify_all()

            def _serve(self, body: dict[str, Any], reply: Reply, rec: Recorded) -> None:
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if reply.status != 200:
                    self._json(
                        reply.status,
                        {"error": {"message": reply.error or "scripted error", "type": "server_error"}},
                        reply.headers,
                    )
                    return
                model = body.get("model", "scripted")
                prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
                completion_tokens = max(1, len(reply.text.split()))
                usage = {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                }
                if reply.cached_tokens:
                    usage["prompt_tokens_details"] = {"cached_tokens": min(reply.cached_tokens, prompt_tokens)}
                if not body.get("stream"):
                    self._json(
                        200,
                        {
                            "id": "chatcmpl-scripted",
                            "object": "chat.completion",
                            "created": int(time.time()),
                            "model": model,
                            "choices": [
                                {
                                    "index": 0,
                                    "message": {"role": "assistant", "content": reply.text},
                                    "finish_reason": "stop",
                                }
                            ],
                            "usage": usage,
                        },
                    )
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True

                def send(obj: Any) -> None:
                    self.wfile.write(f"data: {json.dumps(obj)}\n\n".encode())
                    self.wfile.flush()

                base = {
                    "id": "chatcmpl-scripted",
                    "object": "chat.completion.chunk",
                    "created": int(time.time()),
                    "model": model,
                }
                text = reply.text
                send(
                    {
                        **base,
                        "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}],
                    }
                )
                for i in range(0, len(text), reply.chunk_size):
                    if reply.chunk_delay:
                        time.sleep(reply.chunk_delay)
                    piece = text[i : i + reply.chunk_size]
                    send({**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
                    rec.chunk_times.append(time.monotonic())
                send({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                if (body.get("stream_options") or {}).get("include_usage"):
                    send({**base, "choices": [], "usage": usage})
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        return Handler


def main() -> None:  # pragma: no cover - handy for manual runs: python tests/fakeserver.py
    server = FakeOpenAI().start()
    print(server.base_url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
