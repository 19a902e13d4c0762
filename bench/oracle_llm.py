"""An OpenAI-compatible server on loopback that answers every message with its gold label from the
labelled data sets: the ceiling of what the cascade's routing can recover (a real model does worse).

    .venv/bin/python -m bench.oracle_llm --port 8765 &
    .venv/bin/python -m bench.classify_eval --cascade --llm-url http://127.0.0.1:8765/v1 --only holdout3
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from aiohttp import web

DATA = Path(__file__).resolve().parent.parent / "tests" / "classifier"
MESSAGE = re.compile(r"<<<MESSAGE\n(.*)\nMESSAGE>>>", re.S)


def gold() -> dict[str, dict[str, str]]:
    labels: dict[str, dict[str, str]] = {}
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                labels[row["text"]] = {k: row[k] for k in ("intent", "category", "severity")}
    return labels


def app() -> web.Application:
    labels = gold()

    async def complete(request: web.Request) -> web.Response:
        body = await request.json()
        match = MESSAGE.search(body["messages"][-1]["content"])
        answer = labels.get(
            match.group(1) if match else "", {"intent": "other", "category": "other", "severity": "normal"}
        )
        content = json.dumps({**answer, "confidence": 0.99}, ensure_ascii=False)
        return web.json_response({"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]})

    application = web.Application()
    application.router.add_post("/v1/chat/completions", complete)
    return application


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=8765)
    web.run_app(app(), host="127.0.0.1", port=parser.parse_args().port, print=None)
