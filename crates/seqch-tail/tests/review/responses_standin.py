#!/usr/bin/env python3
"""A loopback stand-in for the OpenAI Responses API, for running the real `codex app-server`
review flow offline (Codex 0.169.0, a custom model provider with wire_api = "responses").

    python3 responses_standin.py --port-file F [--review-json FILE] [--log FILE]
                                 [--mode ok|stall|error] [--stall-seconds S]

Binds 127.0.0.1:0, writes the port (decimal, then a newline) to F once it is listening, and serves
until it is killed (SIGTERM/SIGINT exit 0). Point Codex at it with

    -c model_provider=standin
    -c 'model_providers.standin={name="standin", base_url="http://127.0.0.1:PORT/v1",
                                 wire_api="responses", env_key="SEQCH_STANDIN_API_KEY"}'
    -c model=standin-model

(see PROTOCOL.md beside this file for the whole recipe). Every request is logged as one JSON line
(method, path, the interesting headers, the parsed body) to stderr, or to --log FILE.

Endpoints:
  POST /v1/responses   Server-sent events as the Responses API streams them:
                       response.created, response.output_item.added, response.output_text.delta,
                       response.output_item.done (the assistant message), response.completed
                       (with `usage`, which Codex records as token_count / token_usage_record).
                       A request that looks like the reviewer's (its instructions or input mention
                       the review guidelines / "Review the ...") gets the canned review JSON as the
                       message text: exactly what Codex's reviewer parses into ReviewOutputEvent
                       {findings[{title, body, confidence_score, priority,
                       code_location{absolute_file_path, line_range{start, end}}}],
                       overall_correctness, overall_explanation, overall_confidence_score}.
                       Any other request gets a short plain-text answer.
                       The literal "$CWD" in the review JSON is replaced by the <cwd> that Codex
                       puts in the request's environment context, so the default finding points
                       at a file of whatever repository is being reviewed.
  GET  /v1/responses   (a WebSocket upgrade; Codex only tries it for providers that support
                       websockets) 426, so that a client falls back to HTTPS POST.
  GET  /v1/models      {"object": "list", "data": [], "models": []}: Codex 0.169.0 with a custom
                       provider did not ask for it in our runs; answered in case a version does.
  anything else        404 with a JSON error body (and logged).

Modes:
  ok     (default) answer at once.
  stall  send response.created, then hold the stream open for --stall-seconds (default: for ever)
         before completing; use it to exercise turn/interrupt and the bridge's deadline.
  error  answer every POST /v1/responses with HTTP 500 (Codex retries, then fails the turn).

Token usage reported per response (constants, so tests can check them):
  input_tokens 1200 (cached 200), output_tokens 300 (reasoning 64), total_tokens 1500.

Python 3 standard library only.
"""

import argparse
import http.server
import json
import os
import re
import signal
import socketserver
import sys
import threading
import time

USAGE = {
    "input_tokens": 1200,
    "input_tokens_details": {"cached_tokens": 200},
    "output_tokens": 300,
    "output_tokens_details": {"reasoning_tokens": 64},
    "total_tokens": 1500,
}

DEFAULT_REVIEW = {
    "findings": [
        {
            "title": "[P1] Division by zero when the list is empty",
            "body": "`mean` divides by `len(xs)` without checking for an empty list, so "
            "`mean([])` raises ZeroDivisionError instead of returning a value.",
            "confidence_score": 0.9,
            "priority": 1,
            "code_location": {
                "absolute_file_path": "$CWD/stats.py",
                "line_range": {"start": 2, "end": 3},
            },
        },
        {
            "title": "[P3] Name the rounding precision",
            "body": "The precision 2 is hard-coded in the return statement; a named constant "
            "would make the intent clear.",
            "confidence_score": 0.4,
            "priority": 3,
            "code_location": {
                "absolute_file_path": "$CWD/stats.py",
                "line_range": {"start": 3, "end": 3},
            },
        },
    ],
    "overall_correctness": "patch is incorrect",
    "overall_explanation": "The new mean() crashes on an empty list.",
    "overall_confidence_score": 0.85,
}

REVIEW_MARKERS = ("# Review guidelines", "Review the current code changes", "Review the code changes")

log_lock = threading.Lock()
log_file = sys.stderr
counter_lock = threading.Lock()
counter = [0]


def log(record):
    record = dict(record, ts=round(time.time(), 3))
    with log_lock:
        log_file.write(json.dumps(record, ensure_ascii=False) + "\n")
        log_file.flush()


def next_id():
    with counter_lock:
        counter[0] += 1
        return counter[0]


def all_text(value):
    """Every string inside a parsed JSON value, joined (to look for markers and <cwd>)."""
    out = []

    def walk(v):
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(value)
    return "\n".join(out)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "seqch-responses-standin/1"

    def log_message(self, fmt, *args):  # the JSON log replaces http.server's access log
        pass

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.headers.get("Content-Encoding", "").lower() == "zstd":
            return raw, None  # not decodable with the standard library; logged as such
        try:
            return raw, json.loads(raw) if raw else None
        except ValueError:
            return raw, None

    def log_request_record(self, raw, body):
        headers = {
            k.lower(): v
            for k, v in self.headers.items()
            if k.lower() in ("content-type", "accept", "user-agent", "originator", "openai-beta",
                             "session_id", "conversation_id", "version", "upgrade",
                             "content-encoding", "x-openai-subagent", "x-codex-turn-metadata")
        }
        auth = self.headers.get("Authorization")
        # The key is a throwaway, but keep it out of logs anyway: scheme and length only.
        headers["authorization"] = None if auth is None else "%s <%d chars>" % (
            auth.split(" ", 1)[0], len(auth.split(" ", 1)[-1]))
        rec = {"event": "request", "n": self.n, "method": self.command, "path": self.path,
               "headers": headers}
        if body is not None:
            rec["body"] = body
        elif raw:
            rec["body_bytes"] = len(raw)
        log(rec)

    def send_json(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.n = next_id()
        self.log_request_record(b"", None)
        path = self.path.split("?", 1)[0]
        if path.endswith("/responses"):
            self.send_json(426, {"error": {"message": "websockets are not supported here; POST instead",
                                           "type": "invalid_request_error"}})
        elif path.endswith("/models"):
            self.send_json(200, {"object": "list", "data": [], "models": []})
        else:
            self.send_json(404, {"error": {"message": "no such endpoint: " + path}})

    def do_POST(self):
        self.n = next_id()
        raw, body = self.read_body()
        self.log_request_record(raw, body)
        path = self.path.split("?", 1)[0]
        if not path.endswith("/responses"):
            self.send_json(404, {"error": {"message": "no such endpoint: " + path}})
            return
        if self.server.mode == "error":
            self.send_json(500, {"error": {"message": "stand-in configured to fail",
                                           "type": "server_error"}})
            log({"event": "answered", "n": self.n, "status": 500})
            return
        self.stream_response(body)

    def sse(self, event):
        data = "event: %s\ndata: %s\n\n" % (event["type"], json.dumps(event))
        self.wfile.write(data.encode())
        self.wfile.flush()

    def stream_response(self, body):
        text = all_text(body) if body is not None else ""
        is_review = any(m in text for m in REVIEW_MARKERS)
        if is_review:
            cwds = re.findall(r"<cwd>([^<]*)</cwd>", text)
            answer = self.server.review_text.replace("$CWD", cwds[-1] if cwds else "$CWD")
        else:
            answer = "stand-in: no canned answer for this request."
        resp_id = "resp_standin_%d" % self.n
        msg_id = "msg_standin_%d" % self.n
        model = (body or {}).get("model", "standin-model") if isinstance(body, dict) else "standin-model"
        created = int(time.time())

        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            self.sse({"type": "response.created",
                      "response": {"id": resp_id, "object": "response", "created_at": created,
                                   "status": "in_progress", "model": model}})
            if self.server.mode == "stall":
                log({"event": "stalling", "n": self.n, "seconds": self.server.stall_seconds})
                deadline = None if self.server.stall_seconds is None else time.time() + self.server.stall_seconds
                while deadline is None or time.time() < deadline:
                    time.sleep(0.5)
                    # SSE comment lines keep the connection honest and notice a closed client.
                    self.wfile.write(b": stalling\n\n")
                    self.wfile.flush()
            item = {"type": "message", "role": "assistant", "id": msg_id, "status": "completed",
                    "content": [{"type": "output_text", "text": answer, "annotations": []}]}
            self.sse({"type": "response.output_item.added", "output_index": 0,
                      "item": dict(item, status="in_progress", content=[])})
            self.sse({"type": "response.output_text.delta", "item_id": msg_id, "output_index": 0,
                      "content_index": 0, "delta": answer})
            self.sse({"type": "response.output_item.done", "output_index": 0, "item": item})
            self.sse({"type": "response.completed",
                      "response": {"id": resp_id, "object": "response", "created_at": created,
                                   "status": "completed", "model": model, "output": [item],
                                   "usage": USAGE}})
            log({"event": "answered", "n": self.n, "status": 200, "review": is_review,
                 "response_id": resp_id})
        except (BrokenPipeError, ConnectionResetError):
            log({"event": "client_closed", "n": self.n})


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port-file", required=True, help="write the bound port here")
    ap.add_argument("--review-json", help="file with the review JSON to answer (default: built in)")
    ap.add_argument("--log", help="append the request log here instead of stderr")
    ap.add_argument("--mode", choices=("ok", "stall", "error"), default="ok")
    ap.add_argument("--stall-seconds", type=float, default=None)
    args = ap.parse_args()

    global log_file
    if args.log:
        log_file = open(args.log, "a", encoding="utf-8")

    if args.review_json:
        with open(args.review_json, encoding="utf-8") as f:
            review = json.load(f)
    else:
        review = DEFAULT_REVIEW

    server = Server(("127.0.0.1", 0), Handler)
    server.review_text = json.dumps(review, ensure_ascii=False)
    server.mode = args.mode
    server.stall_seconds = args.stall_seconds
    port = server.server_address[1]

    def stop(signum, frame):
        log({"event": "stop", "signal": signum})
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, args.port_file)  # readers never see a half-written port
    log({"event": "listening", "port": port, "mode": args.mode})
    server.serve_forever()


if __name__ == "__main__":
    main()
