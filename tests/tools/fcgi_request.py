#!/usr/bin/env python3
"""A minimal FastCGI client for tests: sends COUNT requests to a handler's
unix socket (one connection each, as lighttpd does) and checks each status.

usage: fcgi_request.py SOCKET COUNT METHOD URI [BODY_FILE] [HEADER=VALUE...]
Prints "N ok, M bad" and exits 1 when any response had an unexpected status
(5xx, or no Status line at all). With FCGI_PRINT_BODY=1 in the environment,
prints the last response's body instead of the counts; with
FCGI_PRINT_HEADERS=1, its status line and headers. With FCGI_STATUS_FILE=PATH,
the last response's status code is also written to PATH.
"""
import os
import socket
import struct
import sys

BEGIN, END, PARAMS, STDIN, STDOUT = 1, 3, 4, 5, 6


def record(kind, rid, content):
    out = b""
    for i in range(0, max(len(content), 1), 65535):
        chunk = content[i:i + 65535]
        pad = (8 - len(chunk) % 8) % 8
        out += struct.pack(">BBHHBx", 1, kind, rid, len(chunk), pad) + chunk + b"\0" * pad
        if not content:
            break
    return out


def nv(name, value):
    def ln(n):
        return struct.pack(">B", n) if n < 128 else struct.pack(">I", n | 0x80000000)
    return ln(len(name)) + ln(len(value)) + name + value


def one(path, method, uri, body, headers):
    env = {b"REQUEST_METHOD": method, b"REQUEST_URI": uri, b"SERVER_PROTOCOL": b"HTTP/1.1",
           b"CONTENT_LENGTH": str(len(body)).encode()}
    env.update(headers)
    params = b"".join(nv(k, v) for k, v in env.items())
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.sendall(record(BEGIN, 1, struct.pack(">HB5x", 1, 0)) + record(PARAMS, 1, params) + record(PARAMS, 1, b"")
              + (record(STDIN, 1, body) if body else b"") + record(STDIN, 1, b""))
    out = b""
    buf = b""
    while True:
        data = s.recv(65536)
        if not data:
            break
        buf += data
        while len(buf) >= 8:
            _, kind, _, clen, pad = struct.unpack(">BBHHBx", buf[:8])
            if len(buf) < 8 + clen + pad:
                break
            if kind == STDOUT:
                out += buf[8:8 + clen]
            buf = buf[8 + clen + pad:]
            if kind == END:
                s.close()
                return out
    s.close()
    return out


def main():
    sock, count, method, uri = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode(), sys.argv[4].encode()
    rest = sys.argv[5:]
    body = b""
    if rest and "=" not in rest[0]:
        with open(rest[0], "rb") as fh:
            body = fh.read()
        rest = rest[1:]
    headers = {}
    for h in rest:
        k, v = h.split("=", 1)
        headers[k.encode()] = v.encode()
    good = bad = 0
    out = b""
    for _ in range(count):
        out = one(sock, method, uri, body, headers)
        status = out.split(b"\r\n", 1)[0]
        if status.startswith(b"Status: ") and not status.startswith(b"Status: 5"):
            good += 1
        else:
            bad += 1
    if os.environ.get("FCGI_STATUS_FILE"):
        with open(os.environ["FCGI_STATUS_FILE"], "w", encoding="ascii") as fh:
            first = out.split(b"\r\n", 1)[0].decode("latin-1")
            fh.write((first.split()[1] if first.startswith("Status: ") else "none") + "\n")
    if os.environ.get("FCGI_PRINT_BODY") == "1":
        sys.stdout.write(out.split(b"\r\n\r\n", 1)[-1].decode("utf-8", "replace"))
    elif os.environ.get("FCGI_PRINT_HEADERS") == "1":
        sys.stdout.write(out.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace") + "\r\n")
    else:
        print("%d ok, %d bad" % (good, bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
