#!/usr/bin/python3
"""An SMTP server for tests that fails on demand, chosen by the recipient's local part.

  tempfail*   RCPT answered 451 4.3.0
  reject*     RCPT answered 550 5.1.1
  slow*       RCPT answered after --slow seconds
  datatemp*   the data answered 451 4.3.0
  dataperm*   the data answered 554 5.7.1
  dropdata*   the connection is dropped after the data, with no reply
  anything else is accepted and stored.
A sender whose local part starts with "badsender" gets 553 5.1.8 to MAIL FROM.

Accepted messages are stored as DIR/NNNNNN.eml (the content as received,
dot-stuffing undone) with DIR/NNNNNN.rcpt holding the envelope recipients;
DIR/events.log gets one line per connection ("ehlo"), per failure and per
accepted message. Runs with Debian's python3-aiosmtpd:
  /usr/bin/python3 tests/fakes/smtp_faults.py --port PORT --dir DIR [--auth USER:PASS]
Prints "ready PORT" on stdout once it listens; exits on SIGTERM or SIGINT.
"""
import argparse
import asyncio
import logging
import os
import signal
import sys
import warnings

try:
    from aiosmtpd.smtp import SMTP, AuthResult
except ImportError:
    sys.stderr.write("smtp_faults: python3-aiosmtpd is not installed\n")
    sys.exit(77)


def local_part(addr):
    return addr.split("@", 1)[0].strip("<>").lower()


class Faults:
    def __init__(self, directory, slow):
        self.dir = directory
        self.slow = slow
        self.count = 0

    def event(self, line):
        with open(os.path.join(self.dir, "events.log"), "a") as f:
            f.write(line + "\n")

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.event("ehlo " + hostname)
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if local_part(address).startswith("badsender"):
            self.event("mail 553 " + address)
            return "553 5.1.8 Sender address rejected"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        lp = local_part(address)
        if lp.startswith("tempfail"):
            self.event("rcpt 451 " + address)
            return "451 4.3.0 Temporary failure, try again later"
        if lp.startswith("reject"):
            self.event("rcpt 550 " + address)
            return "550 5.1.1 No such user here"
        if lp.startswith("slow"):
            await asyncio.sleep(self.slow)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        lp = local_part(envelope.rcpt_tos[0]) if envelope.rcpt_tos else ""
        if lp.startswith("dropdata"):
            self.event("data dropped")
            server.transport.abort()
            return "250 never sent"
        if lp.startswith("datatemp"):
            self.event("data 451")
            return "451 4.3.0 Could not queue the message, try again"
        if lp.startswith("dataperm"):
            self.event("data 554")
            return "554 5.7.1 Message rejected"
        self.count += 1
        base = os.path.join(self.dir, "%06d" % self.count)
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".rcpt", "w") as f:
            f.write("\n".join(envelope.rcpt_tos) + "\n")
        self.event("accepted %06d" % self.count)
        return "250 2.0.0 Ok: queued as FAULT%06d" % self.count


def make_authenticator(user, password):
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = getattr(auth_data, "login", None) == user.encode() and getattr(auth_data, "password", None) == password.encode()
        return AuthResult(success=ok)
    return authenticator


def main():
    ap = argparse.ArgumentParser(description="SMTP server answering chosen failures")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--slow", type=float, default=3.0, help="seconds a slow* recipient waits")
    ap.add_argument("--auth", help="USER:PASS required before MAIL")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    os.makedirs(args.dir, exist_ok=True)
    handler = Faults(args.dir, args.slow)
    kwargs = {"hostname": "faults.test", "data_size_limit": 10 * 1024 * 1024}
    if args.auth:
        user, _, password = args.auth.partition(":")
        kwargs.update(authenticator=make_authenticator(user, password), auth_required=True, auth_require_tls=False)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(lambda: SMTP(handler, **kwargs), args.host, args.port))
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, loop.stop)
    print("ready %d" % args.port, flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.close()


if __name__ == "__main__":
    main()
