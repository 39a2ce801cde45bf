#!/usr/bin/env python3
"""Starts a FastCGI handler the way lighttpd does — a listening unix socket
as its standard input — optionally under a wrapper such as valgrind.

usage: run_handler.py SOCKET PIDFILE COMMAND [ARGS...]
Runs in the foreground until the handler exits; prints nothing itself.
PIDFILE appears, complete, only once the handler has been started: wait for
it, not for SOCKET (which exists a moment earlier).
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
    # Written whole then renamed, so a reader never sees an empty or partial file.
    with open(pidfile + ".tmp", "w") as fh:
        fh.write(str(pid))
    os.rename(pidfile + ".tmp", pidfile)
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
