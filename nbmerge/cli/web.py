"""`nbmerge mergetool --web`: a page on 127.0.0.1 for settling one notebook's conflicts in a browser.

  serve(path, versions, open_browser, idle_timeout, err) -> exit code: 0 saved with nothing left, 1 else
  Session                                                 -> the notebook being settled and the secrets

Security, since any local program or web page may knock on a local port:
- it binds 127.0.0.1 only, on a port the system picks;
- the printed URL carries a one-time token: its first use is exchanged for a session cookie
  (HttpOnly, SameSite=Strict), so the URL is worthless once opened;
- every request needs that cookie and a Host of exactly 127.0.0.1:PORT (no DNS rebinding);
  every POST also needs the page's own Origin;
- the client sends conflict ids, a side or a text, never a path: the only file written is
  the one named on the command line, by Save;
- nothing from the notebook runs: the page's Content-Security-Policy (resolve_page);
- it stops after Save, Ctrl-C, or idle_timeout seconds without a request.
Standard library only (http.server): one user, one notebook, a handful of requests.
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

from ..conflicts import counted, find_conflicts
from ..errors import BadResolution
from ..resolve import Decision, Take, open_questions, resolve_conflicts
from ..resolve_page import content_policy, render_resolve_page
from .conflicts_plain import marker_rule, read_notebook, write_notebook

COOKIE = "nbmerge_session"
MAX_BODY = 32 * 1024 * 1024  # a hand-written cell, with room to spare


class Session:
    """One notebook being settled: its state, the undo history and the two secrets."""

    def __init__(self, path: str, versions: dict):
        self.path = path
        self.nb, self.layout = read_notebook(path)
        self.rule = marker_rule(path)
        self.versions = versions
        self.total = len(open_questions(self.nb, self.rule))
        self.history: list = []
        self.token = secrets.token_urlsafe(32)  # in the URL, good for one use
        self.cookie = secrets.token_urlsafe(32)  # what the browser holds after that
        self.token_used = False
        self.saved = False
        self.stop = False
        self.last_seen = time.monotonic()

    def decide(self, body: dict) -> dict:
        """Apply one choice from the page; ValueError with what is wrong."""
        wanted, hunk = body.get("conflict"), body.get("hunk")
        conflict = next((c for c in find_conflicts(self.nb, self.rule) if c.id == wanted), None)
        if conflict is None:
            raise ValueError("that conflict is not open any more; reload the page")
        if hunk is not None and not (isinstance(hunk, int) and 0 <= hunk < len(conflict.hunks)):
            raise ValueError("no such hunk")
        if isinstance(body.get("text"), str):
            decision = Decision(conflict, text=body["text"], hunk=hunk)
        elif body.get("take") in {t.value for t in Take}:
            decision = Decision(conflict, Take(body["take"]), hunk=hunk)
        else:
            raise ValueError("say take (ours, theirs, base, both) or text")
        try:
            result = resolve_conflicts(self.nb, [decision])
        except BadResolution as exc:
            raise ValueError(str(exc)) from None
        if result.skipped:
            raise ValueError(result.skipped[0][1])
        self.history.append(self.nb)
        self.nb = result.notebook
        return {"left": len(open_questions(self.nb, self.rule))}

    def undo(self) -> dict:
        if not self.history:
            raise ValueError("nothing to undo")
        self.nb = self.history.pop()
        return {"left": len(open_questions(self.nb, self.rule))}

    def save(self) -> dict:
        write_notebook(self.path, self.nb, self.layout)
        self.saved, self.stop = True, True
        left = len(find_conflicts(self.nb, self.rule))
        message = (f"Saved {self.path}: " + (f"{counted(left)} left in it."
                                            if left else "no conflicts left.") + " You can close this tab.")
        return {"left": left, "message": message}


def _handler(session: Session, host: str):
    origin = f"http://{host}"

    class Handler(BaseHTTPRequestHandler):
        server_version = "nbmerge"
        sys_version = ""

        def log_message(self, *args):  # the terminal shows what matters, not an access log
            pass

        def _send(self, code: int, body: bytes, kind: str = "application/json", headers=()):
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _json(self, code: int, data: dict):
            self._send(code, json.dumps(data).encode("utf-8"))

        def _refuse(self, why: str):
            self._json(403, {"error": why})

        def _has_cookie(self) -> bool:
            for part in (self.headers.get("Cookie") or "").split(";"):
                name, _, value = part.strip().partition("=")
                if name == COOKIE and hmac.compare_digest(value, session.cookie):
                    return True
            return False

        def do_GET(self):
            session.last_seen = time.monotonic()
            if self.headers.get("Host") != host:
                return self._refuse("wrong host")
            url = urlsplit(self.path)
            token = parse_qs(url.query).get("token", [""])[0]
            if url.path == "/" and token:
                if session.token_used or not hmac.compare_digest(token, session.token):
                    return self._refuse("this link was already used, or is not the one printed")
                session.token_used = True
                cookie = f"{COOKIE}={session.cookie}; HttpOnly; SameSite=Strict; Path=/"
                return self._send(303, b"", "text/plain", [("Location", "/"), ("Set-Cookie", cookie)])
            if not self._has_cookie():
                return self._refuse("no session: open the link nbmerge printed")
            if url.path != "/":
                return self._json(404, {"error": "not found"})
            page = render_resolve_page(session.nb, session.path, session.total, session.versions, session.rule)
            self._send(200, page.encode("utf-8"), "text/html; charset=utf-8",
                       [("Content-Security-Policy", content_policy() + "; frame-ancestors 'none'")])

        def do_POST(self):
            session.last_seen = time.monotonic()
            if self.headers.get("Host") != host or self.headers.get("Origin") != origin:
                return self._refuse("wrong host or origin")
            if not self._has_cookie():
                return self._refuse("no session: open the link nbmerge printed")
            actions = {"/decide": session.decide, "/undo": lambda body: session.undo(),
                       "/save": lambda body: session.save()}
            action = actions.get(urlsplit(self.path).path)
            if action is None:
                return self._json(404, {"error": "not found"})
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0:  # int() of a client's header: a 400, not a traceback in the terminal
                return self._json(400, {"error": "Content-Length is not a length"})
            if length > MAX_BODY:
                return self._json(413, {"error": "too large"})
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
                if not isinstance(body, dict):
                    raise ValueError("expected a JSON object")
                self._json(200, action(body))
            except ValueError as exc:
                self._json(400, {"error": str(exc)})

    return Handler


def serve(path: str, versions: dict, *, open_browser: bool, idle_timeout: float, err) -> int:
    """Serve the page until Save, Ctrl-C or idle_timeout; return 0 when saved with nothing left."""
    session = Session(path, versions)
    if not session.total:
        err.write(f"{path}: no conflicts left\n")
        return 0
    server = HTTPServer(("127.0.0.1", 0), lambda *args: None)
    host = f"127.0.0.1:{server.server_address[1]}"
    server.RequestHandlerClass = _handler(session, host)
    server.timeout = 0.5  # how often the loop looks at the idle clock
    url = f"http://{host}/?token={session.token}"
    err.write(f"{path}: settle the conflicts at {url}\n(one use; Ctrl-C stops, as does {idle_timeout:g} s "
              "without a request)\n")
    err.flush()
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    try:
        while not session.stop:
            server.handle_request()
            if time.monotonic() - session.last_seen > idle_timeout:
                err.write(f"{path}: no request for {idle_timeout:g} s: stopped, nothing saved\n")
                break
    except KeyboardInterrupt:
        err.write(f"{path}: stopped, nothing saved\n")
    finally:
        server.server_close()
    if not session.saved:
        return 1
    left = len(find_conflicts(session.nb, session.rule))
    err.write(f"{path}: saved; " + (f"{counted(left)} left\n" if left
                                     else "no conflicts left\n"))
    return 1 if left else 0
