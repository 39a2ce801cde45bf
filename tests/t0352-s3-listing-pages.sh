#!/usr/bin/env bash
# The local S3 server lists past its first page of 1,000 keys: the next page
# comes with a continuation token, which s3rver enciphers with DES, refused
# by Node 17 and later unless scripts/services starts it with the legacy
# OpenSSL provider (before that, every such listing was an InternalError,
# and the invariants that list an organisation's objects went unchecked).
. "$(dirname "$0")/lib/test-lib.sh"

prefix="t0352/$$-$(date +%s)/"
/usr/bin/python3 - "$prefix" >"$T_TMP/list.out" 2>&1 <<'PY'
import os, sys
import botocore.session
from botocore.config import Config
from concurrent.futures import ThreadPoolExecutor
e = os.environ
c = botocore.session.get_session().create_client(
    "s3", region_name=e.get("SHORTLIST_S3_REGION", "us-east-1"), endpoint_url=e["SHORTLIST_S3_ENDPOINT"],
    aws_access_key_id=e["SHORTLIST_S3_ACCESS_KEY"], aws_secret_access_key=e["SHORTLIST_S3_SECRET_KEY"],
    config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}, max_pool_connections=8))
bucket, prefix = e["SHORTLIST_S3_BUCKET"], sys.argv[1]
keys = ["%s%04d" % (prefix, i) for i in range(1001)]
with ThreadPoolExecutor(8) as ex:
    list(ex.map(lambda k: c.put_object(Bucket=bucket, Key=k, Body=b"x"), keys))
seen, pages, kw = 0, 0, {"Bucket": bucket, "Prefix": prefix}
try:
    while True:
        page = c.list_objects_v2(**kw)
        pages += 1
        seen += len(page.get("Contents", []))
        if not page.get("IsTruncated"):
            break
        kw["ContinuationToken"] = page["NextContinuationToken"]
    print("listed %d keys in %d pages" % (seen, pages))
finally:
    for i in range(0, len(keys), 1000):
        c.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[i:i + 1000]]})
PY
sed 's/^/# /' "$T_TMP/list.out" | tail -n 3
check "1,001 keys are listed in two pages" grep -qx "listed 1001 keys in 2 pages" "$T_TMP/list.out"
t_finish
