#!/usr/bin/env python3
"""Starts a FastCGI handler the way lighttpd does — a listening unix socket
as its standard input — optionally under a wrapper such as valgrind.

usage: run_handler.py SOCKET PIDFILE COMMAND [ARGS...]
Runs in the foreground until the handler exits; prints nothing itself.
"""
import os
import socket
import sys


def main():
    path, pidfile, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
    if os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX)
    s.bind(path)
    s.listen(128)
    pid = os.fork()
    if pid == 0:
        os.dup2(s.fileno(), 0)
        os.execvp(argv[0], argv)
    s.close()
    with open(pidfile, "w") as fh:
        fh.write(str(pid))
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
