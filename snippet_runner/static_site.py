"""The built site served on 127.0.0.1 as GitHub Pages serves it: gzip for text types when the
client accepts it, a 10-minute Cache-Control, the site's 404.html with status 404, keep-alive.
The browser tests (tests/browser_support.py) and the Lighthouse benchmark
(benchmarks/lighthouse.py) load the site through it."""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import mimetypes
import threading
from pathlib import Path

# GitHub Pages compresses these (text); images and fonts it sends as they are.
COMPRESSED = ("text/", "application/javascript", "application/json", "application/xml", "image/svg+xml")


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files as GitHub Pages sends them: gzip for text types when the client accepts it,
    Cache-Control: max-age=600, and the site's 404.html with status 404."""

    protocol_version = "HTTP/1.1"  # keep-alive, as a browser gets from a real host
    gzipped: dict[tuple[Path, float], bytes] = {}  # compressed once per file version
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self.respond(body=False)

    def do_GET(self):
        self.respond(body=True)

    def respond(self, body: bool) -> None:
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?")[0].endswith("/"):
                self.send_response(301)
                self.send_header("Location", self.path.split("?")[0] + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            path = path / "index.html"
        status = 200
        if not path.is_file():
            status, path = 404, Path(self.directory) / "404.html"
            if not path.is_file():
                self.send_error(404)
                return
        data = path.read_bytes()
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        text = kind.startswith(COMPRESSED)
        self.send_response(status)
        self.send_header("Content-Type", kind + ("; charset=utf-8" if kind.startswith("text/") else ""))
        self.send_header("Cache-Control", "max-age=600")
        if text:
            self.send_header("Vary", "Accept-Encoding")
            if "gzip" in self.headers.get("Accept-Encoding", ""):
                key = (path, path.stat().st_mtime)
                with self.lock:
                    if key not in self.gzipped:
                        self.gzipped[key] = gzip.compress(data, compresslevel=6, mtime=0)
                    data = self.gzipped[key]
                self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)


@contextlib.contextmanager
def serve(directory: Path):
    """Serve ``directory`` on 127.0.0.1 on a free port, in a thread of this process; yields the base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(directory)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
