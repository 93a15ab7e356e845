"""A small OAI-PMH repository on 127.0.0.1 for the harvest tests: static answers, and hooks for hostile ones.

`answers` maps what a request asks to what is answered: ("Identify",), ("ListRecords", from, set) for the
first page of a list, ("token", token) for the next ones, ("file", path) for anything else. A value is a
fixture file's name (XML, `{base}` replaced by the server's address) or an `Answer`. `hooks` run first and
may answer instead (failures, redirects). Every request is logged with its Host header.
"""

import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/xml; charset=utf-8"
    headers: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    host: str
    path: str
    args: dict  # name → the first value

    @property
    def verb(self):
        return self.args.get("verb")


class Repository:
    """The server, its answers and its log."""

    def __init__(self):
        self.answers: dict = {}
        self.hooks: list = []
        self.log: list[Request] = []
        handler = type("Handler", (_Handler,), {"repository": self})
        self.server = _Server(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.root = f"http://127.0.0.1:{self.port}"
        self.base_url = f"{self.root}/oai"
        self.thread = threading.Thread(target=self.server.serve_forever, name="oai-test-server", daemon=True)

    def start(self) -> "Repository":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def reset(self) -> None:
        self.answers, self.hooks, self.log = {}, [], []

    def fixture(self, name: str) -> bytes:
        return (FIXTURES / name).read_text(encoding="utf-8").replace("{base}", self.root).encode()

    def serve_standard(self) -> None:
        """The museum's repository as its fixtures describe it: Identify and the three pages of its list."""
        self.answers.update({
            ("Identify",): "identify.xml",
            ("ListRecords", None, None): "page-1.xml",
            ("token", "page2-token"): "page-2.xml",
            ("token", "page3-token"): "page-3.xml",
        })  # fmt: skip

    def requests_for(self, verb: str) -> list[Request]:
        return [r for r in self.log if r.verb == verb]

    def answer(self, request: Request) -> Answer:
        for hook in self.hooks:
            found = hook(request)
            if found is not None:
                return found
        if request.path == "/oai":
            args = request.args
            if args.get("verb") == "Identify":
                key = ("Identify",)
            elif "resumptionToken" in args:
                key = ("token", args["resumptionToken"])
            else:
                key = ("ListRecords", args.get("from"), args.get("set"))
        else:
            key = ("file", request.path)
        value = self.answers.get(key)
        if value is None:
            if key[0] == "token":
                return Answer(200, self.error("badResumptionToken", "unknown token"))
            return Answer(404, b"not found", "text/plain")
        return Answer(200, self.fixture(value)) if isinstance(value, str) else value

    @staticmethod
    def error(code: str, text: str, response_date: str = "2026-03-01T08:00:00Z") -> bytes:
        return (f'<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
                f"<responseDate>{response_date}</responseDate><request>x</request>"
                f'<error code="{code}">{text}</error></OAI-PMH>').encode()  # fmt: skip


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A harvester that hangs up early (an image refused at its headers) is expected: not worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    repository: Repository
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 - the http.server name
        parts = urlsplit(self.path)
        args = {name: values[0] for name, values in parse_qs(parts.query).items()}
        request = Request(self.headers.get("Host", "").split(":")[0], parts.path, args)
        self.repository.log.append(request)
        answer = self.repository.answer(request)
        if answer.status == -1:  # drop the connection without answering
            self.close_connection = True
            return
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(answer.body)

    def log_message(self, *args):  # quiet
        pass
