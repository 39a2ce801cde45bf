#!/usr/bin/python3
"""Reference SigV4 signer for the S3 client's tests, built on Debian's python3-botocore.

presign: prints botocore's generate_presigned_url for a fixed signing time.
  s3_presign_ref.py presign ENDPOINT REGION BUCKET ACCESS SECRET path|virtual GET|PUT KEY_HEX EXPIRES YYYYMMDDTHHMMSSZ [CONTENT_TYPE_HEX]
presign-batch: reads lines of the same arguments (after "presign") on stdin
  and prints one URL per line: one interpreter start for many URLs.
sign: reads a raw HTTP request head (request line and headers, CRLF or LF) on
  stdin, re-signs it with botocore's S3SigV4Auth at its own X-Amz-Date over the
  headers it lists in SignedHeaders, and prints the Authorization header value.
  s3_presign_ref.py sign SCHEME REGION ACCESS SECRET
Exits 77 when botocore is missing, 2 on bad usage.
"""
import datetime
import sys
import types

try:
    import botocore.auth
    import botocore.session
    from botocore.awsrequest import AWSRequest
    from botocore.config import Config
    from botocore.credentials import Credentials
except ImportError:
    sys.stderr.write("botocore is not installed\n")
    sys.exit(77)


def freeze_time(stamp):
    frozen = datetime.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ")

    class FrozenDatetime(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return frozen

    fake = types.ModuleType("datetime")
    fake.__dict__.update(datetime.__dict__)
    fake.datetime = FrozenDatetime
    botocore.auth.datetime = fake


CLIENTS = {}


def presign(args):
    if len(args) not in (10, 11):
        sys.exit(2)
    endpoint, region, bucket, access, secret, style, method, key_hex, expires, stamp = args[:10]
    key = bytes.fromhex(key_hex).decode("utf-8")
    freeze_time(stamp)
    place = (endpoint, region, access, secret, style)
    if place not in CLIENTS:
        CLIENTS[place] = botocore.session.Session().create_client(
            "s3",
            region_name=region,
            endpoint_url=endpoint,
            aws_access_key_id=access,
            aws_secret_access_key=secret,
            config=Config(signature_version="s3v4", s3={"addressing_style": style}),
        )
    params = {"Bucket": bucket, "Key": key}
    if len(args) == 11:
        params["ContentType"] = bytes.fromhex(args[10]).decode("utf-8")
    operation = {"GET": "get_object", "PUT": "put_object"}[method]
    print(CLIENTS[place].generate_presigned_url(operation, Params=params, ExpiresIn=int(expires)))


class GivenPayloadAuth(botocore.auth.S3SigV4Auth):
    payload_hash = ""

    def payload(self, request):
        return self.payload_hash


def sign(args):
    if len(args) != 4:
        sys.exit(2)
    scheme, region, access, secret = args
    lines = [line.rstrip("\r\n") for line in sys.stdin.read().split("\n")]
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if not line:
            break
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    auth = headers.get("authorization", "")
    signed = auth.split("SignedHeaders=", 1)[1].split(",", 1)[0].split(";") if "SignedHeaders=" in auth else []
    freeze_time(headers.get("x-amz-date", "19700101T000000Z"))
    request_headers = {}
    for name in signed:
        if name in ("x-amz-date", "x-amz-content-sha256"):
            continue
        if name not in headers:
            print("signed header '%s' was not sent" % name)
            return
        request_headers[name] = headers[name]
    request = AWSRequest(method=method, url="%s://%s%s" % (scheme, headers["host"], target), headers=request_headers)
    signer = GivenPayloadAuth(Credentials(access, secret), "s3", region)
    signer.payload_hash = headers.get("x-amz-content-sha256", "")
    signer.add_auth(request)
    print(request.headers["Authorization"])


def main():
    if len(sys.argv) < 2:
        sys.exit(2)
    if sys.argv[1] == "presign":
        presign(sys.argv[2:])
    elif sys.argv[1] == "presign-batch":
        for line in sys.stdin:
            if line.strip():
                presign(line.split())
    elif sys.argv[1] == "sign":
        sign(sys.argv[2:])
    else:
        sys.exit(2)


if __name__ == "__main__":
    main()
