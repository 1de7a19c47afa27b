#!/usr/bin/env python3
"""The fleet lab's HTTP server, run inside the lab's network namespace.

Serves a directory tree (the package mirror, the stand-in Tailscale repository and the release
artifacts) and an "upstream" page at /upstream that stands for the internet: every request to it
is appended to a log file as "<unix time> <client address> <path>", so a test can see which
source address a request arrived from (for example the hub's public address after NAT).

usage: labhttp.py --bind ADDR --port PORT --root DIR --upstream-log FILE --access-log FILE
"""
import argparse
import functools
import http.server
import os
import sys
import threading
import time


class Handler(http.server.SimpleHTTPRequestHandler):
    upstream_log = None
    access_log = None
    lock = threading.Lock()

    def _append(self, path, line):
        with self.lock:
            with open(path, "a", encoding="utf-8") as f:
                f.write(line + "\n")

    def _upstream(self, head_only):
        client = self.client_address[0]
        self._append(self.upstream_log, f"{time.time():.3f} {client} {self.path}")
        body = (f"fleet lab upstream: hello {client}\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def do_GET(self):
        if self.path == "/upstream" or self.path.startswith("/upstream?") or self.path.startswith("/upstream/"):
            return self._upstream(False)
        return super().do_GET()

    def do_HEAD(self):
        if self.path == "/upstream" or self.path.startswith("/upstream?") or self.path.startswith("/upstream/"):
            return self._upstream(True)
        return super().do_HEAD()

    def log_message(self, fmt, *args):
        self._append(self.access_log, "%s %s %s" % (
            self.log_date_time_string(), self.client_address[0], fmt % args))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64  # three VMs running apt at once


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bind", required=True)
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--root", required=True)
    ap.add_argument("--upstream-log", required=True)
    ap.add_argument("--access-log", required=True)
    ap.add_argument("--pid-file")
    a = ap.parse_args()
    Handler.upstream_log = a.upstream_log
    Handler.access_log = a.access_log
    # .deb and the keyrings are binary; everything unknown is served as octet-stream.
    Handler.extensions_map.update({".deb": "application/vnd.debian.binary-package",
                                   ".gpg": "application/pgp-keys", ".tgz": "application/gzip",
                                   "": "application/octet-stream"})
    handler = functools.partial(Handler, directory=a.root)
    srv = Server((a.bind, a.port), handler)
    if a.pid_file:
        with open(a.pid_file, "w", encoding="ascii") as f:
            f.write(f"{os.getpid()}\n")
    print(f"labhttp: serving {a.root} on http://{a.bind}:{a.port}/ (upstream log {a.upstream_log})",
          file=sys.stderr, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
