#!/usr/bin/env python3
"""Writes multipart/form-data request bodies for the upload tests, including
malformed ones that curl will not make. Prints the Content-Type to use.

usage: multipart_body.py KIND OUT [FILE...]
kinds: files (one part per FILE), inner-boundary, truncated, big-headers,
       empty-parts N, crlf-name, dotdot-name, latin1-name, no-closing
"""
import sys

BOUNDARY = "shortlistBoundary7MA4YWxkTrZu0gW"


def part(name, filename, data, ctype="application/octet-stream", extra=b""):
    head = 'Content-Disposition: form-data; name="%s"' % name
    head = head.encode()
    if filename is not None:
        head += b'; filename="' + filename + b'"'
    return (b"--" + BOUNDARY.encode() + b"\r\n" + head + b"\r\n" + extra +
            b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + data + b"\r\n")


def closing():
    return b"--" + BOUNDARY.encode() + b"--\r\n"


def main():
    kind, out = sys.argv[1], sys.argv[2]
    files = sys.argv[3:]
    body = b""
    if kind == "files":
        for i, f in enumerate(files):
            with open(f, "rb") as fh:
                body += part("file%d" % i, f.rsplit("/", 1)[-1].encode(), fh.read())
        body += closing()
    elif kind == "inner-boundary":
        with open(files[0], "rb") as fh:
            data = fh.read()
        # The boundary text inside the content, but not after CRLF, and once
        # after CRLF with a different continuation: both are content.
        trap = b"--" + BOUNDARY.encode() + b" not a delimiter\r\n--" + BOUNDARY.encode() + b"X\r\n"
        body = part("file0", b"trap.txt", data + trap, "text/plain") + closing()
    elif kind == "truncated":
        with open(files[0], "rb") as fh:
            data = fh.read()
        body = part("file0", b"cut.pdf", data)[: len(data) // 2]
    elif kind == "no-closing":
        with open(files[0], "rb") as fh:
            body = part("file0", b"open.pdf", fh.read())
    elif kind == "big-headers":
        with open(files[0], "rb") as fh:
            data = fh.read()
        extra = b"".join(b"X-Pad-%d: %s\r\n" % (i, b"a" * 1000) for i in range(20))
        body = part("file0", b"big.pdf", data, extra=extra) + closing()
    elif kind == "empty-parts":
        n = int(files[0])
        body = b"".join(part("f%d" % i, None, b"") for i in range(n)) + closing()
    elif kind in ("crlf-name", "dotdot-name", "latin1-name"):
        name = {"crlf-name": b"evil\r\nX-Injected: 1.pdf",
                "dotdot-name": b"../../../etc/cron.d/evil.pdf",
                "latin1-name": b"r\xe9sum\xe9 \xff.pdf"}[kind]
        with open(files[0], "rb") as fh:
            data = fh.read()
        if kind == "crlf-name":
            # A raw CR LF inside the quoted filename breaks the header line:
            # send it percent-style as browsers do, plus one raw variant.
            head = part("file0", b"evil%0D%0AX-Injected: 1.pdf", data)
            body = head + closing()
        else:
            body = part("file0", name, data) + closing()
    else:
        sys.exit("unknown kind " + kind)
    with open(out, "wb") as fh:
        fh.write(body)
    print("multipart/form-data; boundary=" + BOUNDARY)


if __name__ == "__main__":
    main()
