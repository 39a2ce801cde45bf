#!/usr/bin/python3
"""fault_proxy: a TCP proxy in front of a real server that adds faults on demand, for tests.

    fault_proxy.py --port P --to HOST:PORT --mode-file FILE --stats FILE

It forwards every connection to HOST:PORT. FILE holds one line, read for
every chunk a client sends (so a test changes it while connections stay
open):

  pass           forward as is
  delay MS       hold each chunk from the client MS milliseconds first
                 (the server answers that much later)
  hang           never forward (the client's own timeout ends the wait)
  refuse         stop listening: new connections are refused; open ones
                 are closed
  http-503       answer each request itself with an S3-style 503 SlowDown
                 (an error answer from a server that is up), keeping the
                 connection open
  cut-commit     forward, and after the client sends a PostgreSQL COMMIT,
                 wait 0.3 s (for the server to commit) and close both sides
                 before its answer comes back: a COMMIT whose answer is lost

The stats file is rewritten as JSON after each event: connections accepted,
requests (client chunks that begin an HTTP request or a PostgreSQL query
message), delayed and cut. Prints "ready" on stdout once listening.
"""
import argparse
import json
import os
import select
import socket
import threading
import time

lock = threading.Lock()
stats = {"connections": 0, "requests": 0, "delayed": 0, "cut": 0, "answered_503": 0}
HTTP_METHODS = (b"GET ", b"HEAD ", b"PUT ", b"POST ", b"DELETE ")
SLOWDOWN = (b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>"
            b"<Message>Please reduce your request rate.</Message></Error>")


def bump(args, key):
    with lock:
        stats[key] += 1
        tmp = args.stats + ".tmp"
        with open(tmp, "w") as f:
            json.dump(stats, f)
        os.replace(tmp, args.stats)


def mode(args):
    try:
        with open(args.mode_file) as f:
            return f.read().split()
    except OSError:
        return ["pass"]


def is_request(chunk):
    return chunk.startswith(HTTP_METHODS) or chunk[:1] in (b"Q", b"P")


def pipe(args, client):
    try:
        upstream = socket.create_connection(args.to, timeout=5)
        upstream.settimeout(None)
    except OSError:
        client.close()
        return
    socks = [client, upstream]
    try:
        while True:
            ready, _, _ = select.select(socks, [], [])
            for s in ready:
                data = s.recv(65536)
                if not data:
                    return
                if s is upstream:
                    client.sendall(data)
                    continue
                m = mode(args)
                if is_request(data):
                    bump(args, "requests")
                if m[0] == "refuse":
                    return
                if m[0] == "hang":
                    while mode(args)[0] == "hang":
                        time.sleep(0.05)
                    continue  # the chunk is dropped: its client has given up on it
                if m[0] == "http-503" and data.startswith(HTTP_METHODS):
                    head = (b"HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\n"
                            b"Content-Length: %d\r\n\r\n" % len(SLOWDOWN))
                    client.sendall(head + (b"" if data.startswith(b"HEAD ") else SLOWDOWN))
                    bump(args, "answered_503")
                    continue
                if m[0] == "delay" and len(m) > 1:
                    time.sleep(int(m[1]) / 1000.0)
                    bump(args, "delayed")
                upstream.sendall(data)
                if m[0] == "cut-commit" and data[:1] in (b"Q", b"P") and b"COMMIT" in data.upper():
                    time.sleep(0.3)  # the server commits; its answer is never read
                    bump(args, "cut")
                    return
    except OSError:
        pass
    finally:
        for s in socks:
            try:
                s.close()
            except OSError:
                pass


def listen(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", args.port))
    s.listen(64)
    return s


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--to", required=True)
    p.add_argument("--mode-file", required=True)
    p.add_argument("--stats", required=True)
    args = p.parse_args()
    host, port = args.to.rsplit(":", 1)
    args.to = (host, int(port))
    bump(args, "connections")
    with lock:
        stats["connections"] = 0
    srv = listen(args)
    print("ready", flush=True)
    while True:
        if mode(args)[0] == "refuse":
            if srv is not None:
                srv.close()
                srv = None
            time.sleep(0.05)
            continue
        if srv is None:
            srv = listen(args)
        ready, _, _ = select.select([srv], [], [], 0.05)
        if not ready:
            continue
        client, _ = srv.accept()
        bump(args, "connections")
        threading.Thread(target=pipe, args=(args, client), daemon=True).start()


if __name__ == "__main__":
    main()
