#!/usr/bin/python3
"""A web host that fails after a request was sent: it answers GET /readyz with
200 (so a load balancer keeps it in service), reads every other request whole,
writes "METHOD PATH" to the log file, and closes the connection without an
answer. tests/t0880-haproxy.sh puts it behind HAProxy to see which requests
are retried elsewhere (GET, HEAD) and which never are (POST once sent).

    silent_backend.py --port PORT --log FILE
"""
import argparse
import socket
import socketserver
import threading

LOCK = threading.Lock()


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        try:
            self.serve()
        except (ConnectionError, ValueError):
            pass  # a client that went away, or a line that is not HTTP: nothing to answer

    def serve(self):
        while True:
            line = self.rfile.readline(8192)
            if not line:
                return
            parts = line.decode("latin-1").split()
            if len(parts) != 3:
                return
            method, path = parts[0], parts[1]
            length = 0
            while True:
                h = self.rfile.readline(8192)
                if h in (b"\r\n", b"\n", b""):
                    break
                name, _, value = h.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip() or 0)
            if length:
                self.rfile.read(length)
            if method == "GET" and path == "/readyz":
                body = b'{"status":"ready"}'
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                self.wfile.flush()
                continue
            with LOCK, open(self.server.log_path, "a", encoding="utf-8") as f:
                f.write(f"{method} {path}\n")
            self.connection.shutdown(socket.SHUT_RDWR)
            return


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--log", required=True)
    a = p.parse_args()
    srv = Server(("127.0.0.1", a.port), Handler)
    srv.log_path = a.log
    srv.serve_forever()


if __name__ == "__main__":
    main()
