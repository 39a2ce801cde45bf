#!/usr/bin/python3
"""Tests of the fake OpenAI server: shapes, schema output, evidence, scores, errors, rate limits, faults, load."""

import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "fake_openai.py")
REPO = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.environ.get("SHORTLIST_CORPUS") or os.path.join(os.path.dirname(REPO), "shared", "corpus")
PORT_LO = int(os.environ.get("FAKE_OPENAI_TEST_PORT_LO", "32000"))
PORT_HI = int(os.environ.get("FAKE_OPENAI_TEST_PORT_HI", "32999"))
KEY = "sk-test-0123456789"

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__
sys.path.insert(0, HERE)
import fake_openai  # noqa: E402

JOB = (
    "Senior backend engineer for a resume screening service. Requirements: C programming, PostgreSQL, lighttpd, "
    "FastCGI, memcached, Linux, performance tuning, S3 object storage, distributed systems, observability with "
    "Prometheus, code review and mentoring."
)
RUBRIC = "Score each criterion from 1 to 5: systems programming, databases, operations. Quote the resume verbatim."
GOOD_RESUME = """Jane Roe - Backend Engineer
Eight years of C programming on Linux, building FastCGI services behind lighttpd.
Tuned PostgreSQL queries and memcached caching layers for performance on distributed systems.
Ran S3 object storage migrations and added Prometheus observability dashboards for the platform.
Led code review and mentoring for four engineers."""
MEDIUM_RESUME = """Sam Poe - Developer
Four years writing Python web applications with Django on Linux servers.
Maintained PostgreSQL databases and wrote reporting queries for the finance team.
Enjoys hiking, chess and baking bread on weekends."""
BAD_RESUME = """Alex Doe - Pastry Chef
Twelve years creating laminated doughs, croissants and plated desserts for hotel restaurants.
Managed a kitchen brigade of six cooks and ordered seasonal fruit from local farms.
Won a regional chocolate showpiece competition in the spring."""

CRITERION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "score", "evidence", "quote"],
    "properties": {
        "name": {"type": "string"},
        "score": {"type": "number", "minimum": 1, "maximum": 5},
        "evidence": {"type": "array", "minItems": 1, "maxItems": 3, "items": {"type": "string"}},
        "quote": {"anyOf": [{"type": "string"}, {"type": "null"}]},
    },
}
SCORER_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["overall_score", "category", "criteria", "flags", "summary", "years_experience", "contact"],
    "properties": {
        "overall_score": {"type": "integer", "minimum": 0, "maximum": 100},
        "category": {"type": "string", "enum": ["strong", "maybe", "weak"]},
        "criteria": {"type": "array", "minItems": 2, "maxItems": 4, "items": {"$ref": "#/$defs/criterion"}},
        "flags": {
            "type": "array",
            "maxItems": 2,
            "items": {"type": "string", "enum": ["gap", "inconsistent_dates", "hidden_text"]},
        },
        "summary": {"anyOf": [{"type": "string", "maxLength": 200}, {"type": "null"}]},
        "years_experience": {"type": ["number", "null"], "minimum": 0, "maximum": 50},
        "contact": {
            "type": "object",
            "additionalProperties": False,
            "required": ["email", "verified"],
            "properties": {"email": {"type": "string", "format": "email"}, "verified": {"type": "boolean"}},
        },
    },
    "$defs": {"criterion": CRITERION},
}
FAULT_PROBES = ("500", "503", "429", "malformed", "refusal", "length")


# ---- helpers ---------------------------------------------------------------


def free_port():
    ports = list(range(PORT_LO, PORT_HI + 1))
    random.Random(os.getpid() ^ int(time.time() * 1000)).shuffle(ports)
    for port in ports:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    raise RuntimeError("no free port in %d-%d" % (PORT_LO, PORT_HI))


class FakeServer:
    """Starts fake_openai.py on a free port in the test range; stop() sends SIGTERM and waits."""

    def __init__(self, *args):
        self.port = free_port()
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, FAKE, "--port", str(self.port)] + list(args),
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                if request(self.port, "GET", "/health", timeout=1)[0] == 200:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("fake server did not start")
            time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def request(port, method, path, body=None, headers=None, timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        hdrs = {"Content-Type": "application/json"}
        hdrs.update(headers or {})
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        raw = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, raw
    finally:
        conn.close()


def chat(port, messages, key=KEY, timeout=10, **extra):
    body = {"model": "gpt-4o-mini", "messages": messages}
    body.update(extra)
    headers = {"Authorization": "Bearer " + key} if key is not None else {}
    status, hdrs, raw = request(port, "POST", "/v1/chat/completions", body, headers, timeout)
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = None
    return status, hdrs, parsed, raw


def scorer_messages(resume, earlier_user=None):
    msgs = [{"role": "system", "content": JOB + "\n" + RUBRIC}]
    if earlier_user:
        msgs.append({"role": "user", "content": earlier_user})
        msgs.append({"role": "assistant", "content": "Understood."})
    msgs.append({"role": "user", "content": resume})
    return msgs


def schema_format(schema=SCORER_SCHEMA, name="resume_score"):
    return {"type": "json_schema", "json_schema": {"name": name, "strict": True, "schema": schema}}


def score_doc(port, resume, **extra):
    status, _, parsed, raw = chat(port, scorer_messages(resume), response_format=schema_format(), **extra)
    assert status == 200, raw
    return json.loads(parsed["choices"][0]["message"]["content"])


def resolve(schema, root):
    while "$ref" in schema:
        node = root
        for part in schema["$ref"][2:].split("/"):
            node = node[part]
        schema = node
    return schema


def validate(inst, schema, root, path="$"):
    """A small JSON-schema validator for the subset the fake generates; returns a list of errors."""
    schema = resolve(schema, root)
    errs = []
    if "anyOf" in schema:
        if not any(not validate(inst, sub, root, path) for sub in schema["anyOf"]):
            errs.append("%s: matches no anyOf branch" % path)
        return errs
    if "enum" in schema and inst not in schema["enum"]:
        errs.append("%s: %r not in enum" % (path, inst))
    if "const" in schema and inst != schema["const"]:
        errs.append("%s: not const" % path)
    types = schema.get("type")
    if types is not None:
        types = types if isinstance(types, list) else [types]
        checks = {
            "object": lambda v: isinstance(v, dict),
            "array": lambda v: isinstance(v, list),
            "string": lambda v: isinstance(v, str),
            "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
            "boolean": lambda v: isinstance(v, bool),
            "null": lambda v: v is None,
        }
        if not any(checks[t](inst) for t in types):
            return errs + ["%s: %r is not of type %s" % (path, inst, types)]
    if isinstance(inst, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in inst:
                errs.append("%s: missing %s" % (path, key))
        for key, value in inst.items():
            if key in props:
                errs += validate(value, props[key], root, path + "." + key)
            elif schema.get("additionalProperties") is False:
                errs.append("%s: unexpected property %s" % (path, key))
    if isinstance(inst, list):
        if len(inst) < schema.get("minItems", 0):
            errs.append("%s: too few items" % path)
        if "maxItems" in schema and len(inst) > schema["maxItems"]:
            errs.append("%s: too many items" % path)
        for i, item in enumerate(inst):
            errs += validate(item, schema.get("items", {}), root, "%s[%d]" % (path, i))
    if isinstance(inst, (int, float)) and not isinstance(inst, bool):
        if "minimum" in schema and inst < schema["minimum"]:
            errs.append("%s: below minimum" % path)
        if "maximum" in schema and inst > schema["maximum"]:
            errs.append("%s: above maximum" % path)
    if isinstance(inst, str):
        if "maxLength" in schema and len(inst) > schema["maxLength"]:
            errs.append("%s: too long" % path)
        if "minLength" in schema and len(inst) < schema["minLength"]:
            errs.append("%s: too short" % path)
        if schema.get("format") == "email" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+", inst):
            errs.append("%s: not an email" % path)
    return errs


def quotes_of(doc):
    out = []
    for crit in doc["criteria"]:
        out += crit["evidence"]
        if crit["quote"] is not None:
            out.append(crit["quote"])
    return out


def assert_error_shape(test, parsed, etype, param=None, code=None):
    test.assertIsInstance(parsed, dict)
    test.assertEqual(set(parsed), {"error"})
    err = parsed["error"]
    test.assertEqual(set(err), {"message", "type", "param", "code"})
    test.assertIsInstance(err["message"], str)
    test.assertTrue(err["message"])
    test.assertEqual(err["type"], etype)
    test.assertEqual(err["param"], param)
    test.assertEqual(err["code"], code)


RESET_RE = re.compile(r"^(\d+h)?(\d+m)?(\d+(\.\d+)?s|\d+ms)$")

SERVER = None


def setUpModule():  # noqa: N802
    global SERVER
    SERVER = FakeServer()


def tearDownModule():  # noqa: N802
    if SERVER is not None:
        SERVER.stop()


# ---- pure functions --------------------------------------------------------


class TestUnits(unittest.TestCase):
    def test_duration_format(self):
        self.assertEqual(fake_openai.duration_str(0.02), "20ms")
        self.assertEqual(fake_openai.duration_str(1.0), "1s")
        self.assertEqual(fake_openai.duration_str(8.64), "8.64s")
        self.assertEqual(fake_openai.duration_str(360.0), "6m0s")
        self.assertEqual(fake_openai.duration_str(3723.5), "1h2m3.5s")

    def test_validator_rejects_bad_documents(self):
        good = {
            "overall_score": 50,
            "category": "maybe",
            "criteria": [
                {"name": "a", "score": 3, "evidence": ["x"], "quote": None},
                {"name": "b", "score": 2.5, "evidence": ["y"], "quote": "z"},
            ],
            "flags": [],
            "summary": None,
            "years_experience": 3,
            "contact": {"email": "a@example.com", "verified": False},
        }
        self.assertEqual(validate(good, SCORER_SCHEMA, SCORER_SCHEMA), [])
        bad_cases = [
            dict(good, overall_score=101),
            dict(good, overall_score=5.5),
            dict(good, category="great"),
            dict(good, criteria=good["criteria"][:1]),
            dict(good, extra=1),
            dict(good, summary=7),
            dict(good, contact={"email": "a@example.com"}),
            dict(good, criteria=[dict(good["criteria"][0], score=0), good["criteria"][1]]),
        ]
        for bad in bad_cases:
            self.assertNotEqual(validate(bad, SCORER_SCHEMA, SCORER_SCHEMA), [], bad)

    def test_bucket_refills_continuously(self):
        b = fake_openai.Bucket(60)
        b.level = 0
        b.stamp -= 2.0
        b.refill(b.stamp + 2.0)
        self.assertAlmostEqual(b.level, 2.0, places=6)
        self.assertAlmostEqual(b.wait_for(3), 1.0, places=6)


# ---- completions -----------------------------------------------------------


class TestCompletions(unittest.TestCase):
    def test_plain_shape(self):
        status, hdrs, parsed, _ = chat(SERVER.port, [{"role": "user", "content": "Say hello"}])
        self.assertEqual(status, 200)
        self.assertTrue(hdrs["content-type"].startswith("application/json"))
        self.assertRegex(parsed["id"], r"^chatcmpl-[A-Za-z0-9]{20,}$")
        self.assertEqual(parsed["object"], "chat.completion")
        self.assertIsInstance(parsed["created"], int)
        self.assertEqual(parsed["model"], "gpt-4o-mini")
        self.assertRegex(parsed["system_fingerprint"], r"^fp_[0-9a-f]+$")
        choice = parsed["choices"][0]
        self.assertEqual(choice["finish_reason"], "stop")
        self.assertEqual(choice["message"]["role"], "assistant")
        self.assertIsInstance(choice["message"]["content"], str)
        self.assertTrue(choice["message"]["content"])
        self.assertIsNone(choice["message"]["refusal"])
        usage = parsed["usage"]
        self.assertEqual(usage["total_tokens"], usage["prompt_tokens"] + usage["completion_tokens"])
        self.assertEqual(usage["prompt_tokens_details"]["cached_tokens"], 0)
        self.assertIn("x-request-id", hdrs)

    def test_prompt_tokens_are_about_a_quarter_of_the_characters(self):
        text = "word " * 400
        _, _, parsed, _ = chat(SERVER.port, [{"role": "user", "content": text}])
        self.assertTrue(480 <= parsed["usage"]["prompt_tokens"] <= 520, parsed["usage"])

    def test_schema_output_validates(self):
        rng = random.Random(7)
        lines = GOOD_RESUME.splitlines() + MEDIUM_RESUME.splitlines() + BAD_RESUME.splitlines()
        for i in range(30):
            resume = "\n".join(rng.sample(lines, 4)) + "\nCandidate number %d." % i
            status, _, parsed, raw = chat(SERVER.port, scorer_messages(resume), response_format=schema_format())
            self.assertEqual(status, 200, raw)
            doc = json.loads(parsed["choices"][0]["message"]["content"])
            self.assertEqual(validate(doc, SCORER_SCHEMA, SCORER_SCHEMA), [], doc)

    def test_schema_types_and_bounds(self):
        schema = {
            "type": "object",
            "additionalProperties": False,
            "required": ["flag", "count", "ratio", "tags", "maybe", "nested"],
            "properties": {
                "flag": {"type": "boolean"},
                "count": {"type": "integer", "minimum": 3, "maximum": 4},
                "ratio": {"type": "number", "minimum": -1.5, "maximum": -1.25},
                "tags": {"type": "array", "minItems": 5, "maxItems": 5, "items": {"type": "string", "enum": ["x"]}},
                "maybe": {"anyOf": [{"type": "null"}, {"type": "integer", "minimum": 0, "maximum": 1}]},
                "nested": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["deep"],
                    "properties": {"deep": {"type": "array", "maxItems": 0, "items": {"type": "string"}}},
                },
            },
        }
        for i in range(10):
            msgs = [{"role": "user", "content": "case %d" % i}]
            status, _, parsed, raw = chat(SERVER.port, msgs, response_format=schema_format(schema, "bounds"))
            self.assertEqual(status, 200, raw)
            doc = json.loads(parsed["choices"][0]["message"]["content"])
            self.assertEqual(validate(doc, schema, schema), [], doc)
            self.assertEqual(doc["tags"], ["x"] * 5)
            self.assertEqual(doc["nested"], {"deep": []})

    def test_deterministic_for_same_request(self):
        a = score_doc(SERVER.port, GOOD_RESUME)
        b = score_doc(SERVER.port, GOOD_RESUME)
        self.assertEqual(a, b)
        c = score_doc(SERVER.port, GOOD_RESUME, seed=1)
        d = score_doc(SERVER.port, GOOD_RESUME, seed=1)
        e = score_doc(SERVER.port, GOOD_RESUME, seed=2)
        self.assertEqual(c, d)
        self.assertNotEqual(c, e)

    def test_evidence_is_verbatim_from_last_user_message(self):
        earlier = "Previous candidate notes: likes gardening and sailing on quiet lakes in summer."
        for resume in (GOOD_RESUME, MEDIUM_RESUME, BAD_RESUME):
            for seed in range(5):
                status, _, parsed, raw = chat(
                    SERVER.port, scorer_messages(resume, earlier), response_format=schema_format(), seed=seed
                )
                self.assertEqual(status, 200, raw)
                doc = json.loads(parsed["choices"][0]["message"]["content"])
                quotes = quotes_of(doc)
                self.assertTrue(quotes)
                for q in quotes:
                    self.assertIn(q, resume)
                    self.assertNotIn(q, earlier)
                    self.assertTrue(4 <= len(q.split()) <= 12, q)

    def test_better_match_scores_higher(self):
        good = score_doc(SERVER.port, GOOD_RESUME)
        medium = score_doc(SERVER.port, MEDIUM_RESUME)
        bad = score_doc(SERVER.port, BAD_RESUME)
        self.assertGreater(good["overall_score"], medium["overall_score"])
        self.assertGreater(medium["overall_score"], bad["overall_score"])
        self.assertGreater(min(c["score"] for c in good["criteria"]), max(c["score"] for c in bad["criteria"]))

    def test_corpus_pairs_rank_the_matching_resume_first(self):
        jd_path = os.path.join(CORPUS, "job_descriptions", "resumatch_jd_software_engineer.txt")
        if not os.path.exists(jd_path):
            self.skipTest("corpus not found at %s" % CORPUS)
        with open(jd_path, encoding="utf-8") as f:
            jd = f.read()
        scores = {}
        for role in ("software_engineer", "marketing_specialist", "product_manager"):
            with open(os.path.join(CORPUS, "resumes", "txt", "resumatch_resume_%s.txt" % role), encoding="utf-8") as f:
                resume = f.read()
            msgs = [{"role": "system", "content": jd}, {"role": "user", "content": resume}]
            _, _, parsed, raw = chat(SERVER.port, msgs, response_format=schema_format())
            doc = json.loads(parsed["choices"][0]["message"]["content"])
            self.assertEqual(validate(doc, SCORER_SCHEMA, SCORER_SCHEMA), [])
            for q in quotes_of(doc):
                self.assertIn(q, resume)
            scores[role] = doc["overall_score"]
        self.assertGreater(scores["software_engineer"], scores["marketing_specialist"], scores)
        self.assertGreater(scores["software_engineer"], scores["product_manager"], scores)

    def test_json_object_mode(self):
        msgs = [{"role": "system", "content": "Answer in JSON."}, {"role": "user", "content": GOOD_RESUME}]
        status, _, parsed, _ = chat(SERVER.port, msgs, response_format={"type": "json_object"})
        self.assertEqual(status, 200)
        self.assertIsInstance(json.loads(parsed["choices"][0]["message"]["content"]), dict)

    def test_max_tokens_truncates_with_length(self):
        status, _, parsed, _ = chat(
            SERVER.port, scorer_messages(GOOD_RESUME), response_format=schema_format(), max_tokens=5
        )
        self.assertEqual(status, 200)
        self.assertEqual(parsed["choices"][0]["finish_reason"], "length")
        self.assertLessEqual(parsed["usage"]["completion_tokens"], 5)
        with self.assertRaises(ValueError):
            json.loads(parsed["choices"][0]["message"]["content"])

    def test_n_choices(self):
        _, _, parsed, _ = chat(SERVER.port, scorer_messages(GOOD_RESUME), response_format=schema_format(), n=3)
        self.assertEqual([c["index"] for c in parsed["choices"]], [0, 1, 2])

    def test_prompt_caching(self):
        prefix = " ".join("token%d" % i for i in range(1000))  # about 1700 tokens
        msgs = [{"role": "system", "content": prefix}, {"role": "user", "content": "first resume"}]
        _, _, first, _ = chat(SERVER.port, msgs)
        self.assertEqual(first["usage"]["prompt_tokens_details"]["cached_tokens"], 0)
        msgs[1]["content"] = "second resume, different"
        _, _, second, _ = chat(SERVER.port, msgs)
        cached = second["usage"]["prompt_tokens_details"]["cached_tokens"]
        self.assertGreaterEqual(cached, 1024)
        self.assertEqual(cached % 128, 0)
        self.assertLess(cached, second["usage"]["prompt_tokens"])
        short = [{"role": "user", "content": "short prompt"}]
        chat(SERVER.port, short)
        _, _, again, _ = chat(SERVER.port, short)
        self.assertEqual(again["usage"]["prompt_tokens_details"]["cached_tokens"], 0)

    def test_streaming_matches_non_streaming(self):
        msgs = scorer_messages(MEDIUM_RESUME)
        _, _, plain, _ = chat(SERVER.port, msgs, response_format=schema_format())
        status, hdrs, _, raw = chat(
            SERVER.port, msgs, response_format=schema_format(), stream=True, stream_options={"include_usage": True}
        )
        self.assertEqual(status, 200)
        self.assertTrue(hdrs["content-type"].startswith("text/event-stream"))
        events = [line[6:] for line in raw.decode().split("\n") if line.startswith("data: ")]
        self.assertEqual(events[-1], "[DONE]")
        chunks = [json.loads(e) for e in events[:-1]]
        text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
        self.assertEqual(text, plain["choices"][0]["message"]["content"])
        self.assertEqual(chunks[-1]["choices"], [])
        self.assertIn("usage", chunks[-1])

    def test_keep_alive_reuses_one_connection(self):
        conn = http.client.HTTPConnection("127.0.0.1", SERVER.port, timeout=10)
        try:
            body = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]})
            sock = None
            for _ in range(20):
                conn.request("POST", "/v1/chat/completions", body, {"Authorization": "Bearer " + KEY})
                resp = conn.getresponse()
                resp.read()
                self.assertEqual(resp.status, 200)
                if sock is None:
                    sock = conn.sock
                self.assertIs(conn.sock, sock)
        finally:
            conn.close()

    def test_models_and_health(self):
        status, _, raw = request(SERVER.port, "GET", "/v1/models", headers={"Authorization": "Bearer " + KEY})
        self.assertEqual(status, 200)
        listing = json.loads(raw)
        self.assertEqual(listing["object"], "list")
        self.assertIn("gpt-4o-mini", [m["id"] for m in listing["data"]])
        self.assertEqual(request(SERVER.port, "GET", "/v1/models")[0], 401)
        self.assertEqual(request(SERVER.port, "GET", "/health")[0], 200)
        status, _, raw = request(SERVER.port, "GET", "/v1/nothing-here")
        self.assertEqual(status, 404)
        assert_error_shape(self, json.loads(raw), "invalid_request_error")


# ---- request errors --------------------------------------------------------


class TestRequestErrors(unittest.TestCase):
    def test_missing_key_is_401(self):
        status, _, parsed, _ = chat(SERVER.port, [{"role": "user", "content": "hi"}], key=None)
        self.assertEqual(status, 401)
        assert_error_shape(self, parsed, "invalid_request_error")
        status, _, parsed, _ = chat(SERVER.port, [{"role": "user", "content": "hi"}], key="")
        self.assertEqual(status, 401)

    def test_wrong_key_is_401_when_a_key_is_configured(self):
        srv = FakeServer("--api-key", "sk-right")
        try:
            status, _, parsed, _ = chat(srv.port, [{"role": "user", "content": "hi"}], key="sk-wrong-one")
            self.assertEqual(status, 401)
            assert_error_shape(self, parsed, "invalid_request_error", None, "invalid_api_key")
            self.assertNotIn("sk-wrong-one", parsed["error"]["message"])
            self.assertEqual(chat(srv.port, [{"role": "user", "content": "hi"}], key="sk-right")[0], 200)
        finally:
            srv.stop()

    def test_missing_params_are_400_naming_the_param(self):
        hdr = {"Authorization": "Bearer " + KEY}
        for body, param in (
            ({"messages": [{"role": "user", "content": "hi"}]}, "model"),
            ({"model": "gpt-4o-mini"}, "messages"),
        ):
            status, _, raw = request(SERVER.port, "POST", "/v1/chat/completions", body, hdr)
            self.assertEqual(status, 400)
            assert_error_shape(self, json.loads(raw), "invalid_request_error", param, "missing_required_parameter")
            self.assertIn(param, json.loads(raw)["error"]["message"])

    def test_bad_bodies_are_400(self):
        hdr = {"Authorization": "Bearer " + KEY}
        status, _, raw = request(SERVER.port, "POST", "/v1/chat/completions", b"{not json", hdr)
        self.assertEqual(status, 400)
        assert_error_shape(self, json.loads(raw), "invalid_request_error")
        cases = [
            ({"model": "gpt-4o-mini", "messages": []}, "messages"),
            ({"model": "gpt-4o-mini", "messages": [{"role": "robot", "content": "x"}]}, "messages[0].role"),
            ({"model": "gpt-4o-mini", "messages": "hi"}, "messages"),
            ({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x"}], "max_tokens": 0}, "max_tokens"),
        ]
        for body, param in cases:
            status, _, raw = request(SERVER.port, "POST", "/v1/chat/completions", body, hdr)
            self.assertEqual(status, 400, body)
            self.assertEqual(json.loads(raw)["error"]["param"], param)

    def test_chunked_request_bodies(self):
        body = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}).encode()
        head = (
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" % KEY
        ).encode()
        for chunks, want in (
            (b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body), b" 200 "),
            (b"zz\r\n{}\r\n0\r\n\r\n", b" 400 "),
        ):
            with socket.create_connection(("127.0.0.1", SERVER.port), timeout=10) as s:
                s.sendall(head + chunks)
                answer = b""
                while True:
                    data = s.recv(65536)
                    if not data:
                        break
                    answer += data
            self.assertIn(want, answer.split(b"\r\n", 1)[0])

    def test_non_strict_schema_rejected_in_strict_mode(self):
        loose = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
        msgs = [{"role": "user", "content": "x"}]
        status, _, parsed, _ = chat(SERVER.port, msgs, response_format=schema_format(loose))
        self.assertEqual(status, 400)
        self.assertIn("additionalProperties", parsed["error"]["message"])
        partial = {"type": "object", "additionalProperties": False, "properties": {"a": {"type": "string"}}}
        status, _, parsed, _ = chat(
            SERVER.port, [{"role": "user", "content": "x"}], response_format=schema_format(partial)
        )
        self.assertEqual(status, 400)
        self.assertIn("'a'", parsed["error"]["message"])

    def test_temperature_range(self):
        msgs = [{"role": "user", "content": "x"}]
        for value, code in ((3, "decimal_above_max_value"), (-0.5, "decimal_below_min_value")):
            status, _, parsed, _ = chat(SERVER.port, msgs, temperature=value)
            self.assertEqual(status, 400, value)
            assert_error_shape(self, parsed, "invalid_request_error", "temperature", code)
        for value in (0, 1, 2, 0.7):
            self.assertEqual(chat(SERVER.port, msgs, temperature=value)[0], 200, value)

    def test_reasoning_models_refuse_sampling_parameters(self):
        msgs = [{"role": "user", "content": "x"}]
        for model in ("o1", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini"):
            status, _, parsed, _ = chat(SERVER.port, msgs, model=model, temperature=0)
            self.assertEqual(status, 400, model)
            assert_error_shape(self, parsed, "invalid_request_error", "temperature", "unsupported_value")
            self.assertIn("Only the default (1) value is supported", parsed["error"]["message"])
            status, _, parsed, _ = chat(SERVER.port, msgs, model=model, top_p=0.5)
            self.assertEqual(status, 400, model)
            self.assertEqual(parsed["error"]["code"], "unsupported_parameter")
            status, _, parsed, _ = chat(SERVER.port, msgs, model=model, max_tokens=100)
            self.assertEqual(status, 400, model)
            self.assertIn("max_completion_tokens", parsed["error"]["message"])
            self.assertEqual(chat(SERVER.port, msgs, model=model, temperature=1)[0], 200, model)
            self.assertEqual(chat(SERVER.port, msgs, model=model, max_completion_tokens=5000)[0], 200, model)
        # Chat models take temperature 0.
        self.assertEqual(chat(SERVER.port, msgs, model="gpt-4o", temperature=0)[0], 200)

    def test_reasoning_tokens_count_against_the_budget(self):
        resume = "FAKE_REASONING:3000 Python engineer with SQL."
        msgs = scorer_messages(resume)
        fmt = schema_format()
        status, _, parsed, _ = chat(SERVER.port, msgs, model="o4-mini", response_format=fmt,
                                    max_completion_tokens=2000)
        self.assertEqual(status, 200)
        self.assertEqual(parsed["choices"][0]["finish_reason"], "length")
        status, _, parsed, _ = chat(SERVER.port, msgs, model="o4-mini", response_format=fmt,
                                    max_completion_tokens=8000)
        self.assertEqual(status, 200)
        self.assertEqual(parsed["choices"][0]["finish_reason"], "stop")
        self.assertEqual(parsed["usage"]["completion_tokens_details"]["reasoning_tokens"], 3000)
        self.assertGreater(parsed["usage"]["completion_tokens"], 3000)
        json.loads(parsed["choices"][0]["message"]["content"])

    def test_strict_mode_refuses_composition_and_tuned_models_refuse_bounds(self):
        msgs = [{"role": "user", "content": "x"}]
        for key, value in (("allOf", [{"type": "string"}]), ("not", {"type": "number"}), ("if", {"type": "string"})):
            schema = {"type": "object", "additionalProperties": False, "required": ["a"],
                      "properties": {"a": {"type": "string", key: value}}}
            status, _, parsed, _ = chat(SERVER.port, msgs, response_format=schema_format(schema))
            self.assertEqual(status, 400, key)
            self.assertIn("'%s' is not permitted" % key, parsed["error"]["message"])
        bounded = {"type": "object", "additionalProperties": False, "required": ["n", "l"],
                   "properties": {"n": {"type": "integer", "minimum": 0, "maximum": 10},
                                  "l": {"type": "array", "items": {"type": "string"}, "maxItems": 3}}}
        self.assertEqual(chat(SERVER.port, msgs, response_format=schema_format(bounded))[0], 200)
        status, _, parsed, _ = chat(SERVER.port, msgs, model="ft:gpt-4o-mini-2024-07-18:acme::x1",
                                    response_format=schema_format(bounded))
        self.assertEqual(status, 400)
        self.assertIn("is not permitted", parsed["error"]["message"])

    def test_kept_requests(self):
        srv = FakeServer("--keep-requests", "2")
        try:
            for word in ("one", "two", "three"):
                self.assertEqual(chat(srv.port, [{"role": "user", "content": "word " + word}])[0], 200)
            status, _, raw = request(srv.port, "GET", "/_requests")
            self.assertEqual(status, 200)
            kept = json.loads(raw)["requests"]
            self.assertEqual(len(kept), 2)
            self.assertIn("word two", kept[0])
            self.assertIn("word three", kept[1])
            request(srv.port, "POST", "/_reset")
            self.assertEqual(json.loads(request(srv.port, "GET", "/_requests")[2])["requests"], [])
        finally:
            srv.stop()
        # Off by default.
        chat(SERVER.port, [{"role": "user", "content": "x"}])
        self.assertEqual(json.loads(request(SERVER.port, "GET", "/_requests")[2])["requests"], [])

    def test_json_object_needs_the_word_json(self):
        status, _, parsed, _ = chat(
            SERVER.port, [{"role": "user", "content": "hello"}], response_format={"type": "json_object"}
        )
        self.assertEqual(status, 400)
        self.assertEqual(parsed["error"]["param"], "messages")

    def test_context_length(self):
        srv = FakeServer("--context-tokens", "100")
        try:
            status, _, parsed, _ = chat(srv.port, [{"role": "user", "content": "x" * 800}])
            self.assertEqual(status, 400)
            assert_error_shape(self, parsed, "invalid_request_error", "messages", "context_length_exceeded")
        finally:
            srv.stop()


# ---- rate limits -----------------------------------------------------------


class TestRateLimits(unittest.TestCase):
    def test_rpm_burst(self):
        srv = FakeServer("--rpm", "5")
        try:
            remaining = []
            for _ in range(5):
                status, hdrs, _, _ = chat(srv.port, [{"role": "user", "content": "hi"}])
                self.assertEqual(status, 200)
                self.assertEqual(hdrs["x-ratelimit-limit-requests"], "5")
                self.assertRegex(hdrs["x-ratelimit-reset-requests"], RESET_RE)
                self.assertNotIn("retry-after", hdrs)
                remaining.append(int(hdrs["x-ratelimit-remaining-requests"]))
            self.assertEqual(remaining, [4, 3, 2, 1, 0])
            status, hdrs, parsed, _ = chat(srv.port, [{"role": "user", "content": "hi"}])
            self.assertEqual(status, 429)
            assert_error_shape(self, parsed, "requests", None, "rate_limit_exceeded")
            self.assertGreaterEqual(int(hdrs["retry-after"]), 1)
            self.assertGreater(int(hdrs["retry-after-ms"]), 0)
            self.assertLessEqual(int(hdrs["retry-after-ms"]), 12000)
            self.assertEqual(hdrs["x-ratelimit-remaining-requests"], "0")
            self.assertRegex(hdrs["x-ratelimit-reset-requests"], RESET_RE)
            stats = json.loads(request(srv.port, "GET", "/_stats")[2])
            self.assertEqual(stats["rate_limited"], 1)
            self.assertEqual(stats["completions"], 5)
        finally:
            srv.stop()

    def test_tpm(self):
        srv = FakeServer("--tpm", "2000")
        try:
            big = [{"role": "user", "content": "y" * 5000}]  # about 1250 tokens
            status, hdrs, _, _ = chat(srv.port, big)
            self.assertEqual(status, 200)
            self.assertEqual(hdrs["x-ratelimit-limit-tokens"], "2000")
            self.assertLess(int(hdrs["x-ratelimit-remaining-tokens"]), 800)
            self.assertRegex(hdrs["x-ratelimit-reset-tokens"], RESET_RE)
            status, hdrs, parsed, _ = chat(srv.port, big)
            self.assertEqual(status, 429)
            assert_error_shape(self, parsed, "tokens", None, "rate_limit_exceeded")
            self.assertIn("retry-after-ms", hdrs)
            huge = [{"role": "user", "content": "z" * 9000}]
            status, hdrs, parsed, _ = chat(srv.port, huge)
            self.assertEqual(status, 429)
            self.assertIn("Request too large", parsed["error"]["message"])
        finally:
            srv.stop()


# ---- faults ----------------------------------------------------------------


class TestFaults(unittest.TestCase):
    def setUp(self):
        self.assertEqual(request(SERVER.port, "POST", "/_reset", {})[0], 200)

    def queue(self, *kinds, **extra):
        body = {"next": list(kinds)}
        body.update(extra)
        status, _, raw = request(SERVER.port, "POST", "/_fault", body)
        self.assertEqual(status, 200, raw)

    def check_fault(self, kind, status, hdrs, parsed, raw):
        if kind == "500":
            self.assertEqual(status, 500)
            assert_error_shape(self, parsed, "server_error")
        elif kind == "503":
            self.assertEqual(status, 503)
            assert_error_shape(self, parsed, "server_error")
            self.assertIn("retry-after", hdrs)
        elif kind == "429":
            self.assertEqual(status, 429)
            assert_error_shape(self, parsed, "requests", None, "rate_limit_exceeded")
            self.assertIn("retry-after", hdrs)
            self.assertIn("retry-after-ms", hdrs)
        elif kind == "malformed":
            self.assertEqual(status, 200)
            self.assertIsNone(parsed)
            self.assertTrue(raw)
            self.assertEqual(int(hdrs["content-length"]), len(raw))
        elif kind == "refusal":
            self.assertEqual(status, 200)
            msg = parsed["choices"][0]["message"]
            self.assertIsNone(msg["content"])
            self.assertEqual(msg["refusal"], "I'm sorry, I cannot help with that.")
            self.assertEqual(parsed["choices"][0]["finish_reason"], "stop")
        elif kind == "length":
            self.assertEqual(status, 200)
            choice = parsed["choices"][0]
            self.assertEqual(choice["finish_reason"], "length")
            self.assertTrue(choice["message"]["content"].startswith("{"))
            with self.assertRaises(ValueError):
                json.loads(choice["message"]["content"])
        else:
            self.fail("unknown kind " + kind)

    def test_each_fault_via_control_endpoint(self):
        msgs = scorer_messages(GOOD_RESUME)
        for kind in FAULT_PROBES:
            self.queue(kind)
            status, hdrs, parsed, raw = chat(SERVER.port, msgs, response_format=schema_format())
            self.check_fault(kind, status, hdrs, parsed, raw)
            status, _, parsed, raw = chat(SERVER.port, msgs, response_format=schema_format())
            self.assertEqual(status, 200, "fault %s leaked into the next request" % kind)
            json.loads(parsed["choices"][0]["message"]["content"])

    def test_each_fault_via_prompt_marker(self):
        for kind in FAULT_PROBES:
            msgs = scorer_messages(GOOD_RESUME + "\nFAKE_FAULT:" + kind)
            status, hdrs, parsed, raw = chat(SERVER.port, msgs, response_format=schema_format())
            self.check_fault(kind, status, hdrs, parsed, raw)
        stats = json.loads(request(SERVER.port, "GET", "/_stats")[2])
        self.assertEqual(stats["faults"], len(FAULT_PROBES))

    def test_queue_is_consumed_in_order(self):
        self.queue("500", "503")
        self.assertEqual(chat(SERVER.port, [{"role": "user", "content": "a"}])[0], 500)
        self.assertEqual(chat(SERVER.port, [{"role": "user", "content": "a"}])[0], 503)
        self.assertEqual(chat(SERVER.port, [{"role": "user", "content": "a"}])[0], 200)

    def test_rejected_request_does_not_consume_a_fault(self):
        self.queue("500")
        self.assertEqual(chat(SERVER.port, [{"role": "user", "content": "a"}], key=None)[0], 401)
        self.assertEqual(chat(SERVER.port, [{"role": "user", "content": "a"}])[0], 500)

    def test_timeout_hangs_then_closes(self):
        self.queue("timeout", hang_ms=3000)
        with self.assertRaises(socket.timeout):
            chat(SERVER.port, [{"role": "user", "content": "a"}], timeout=0.5)
        self.queue("timeout", hang_ms=200)
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionResetError)):
            chat(SERVER.port, [{"role": "user", "content": "a"}], timeout=30)
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionResetError)):
            chat(SERVER.port, [{"role": "user", "content": "FAKE_FAULT:timeout"}], timeout=30)
        self.assertEqual(chat(SERVER.port, [{"role": "user", "content": "a"}])[0], 200)
        # The first hang is still running: /_reset releases it.
        request(SERVER.port, "POST", "/_reset", {})
        for _ in range(200):
            if json.loads(request(SERVER.port, "GET", "/_stats")[2])["in_flight"] == 0:
                break
            time.sleep(0.02)
        self.assertEqual(json.loads(request(SERVER.port, "GET", "/_stats")[2])["in_flight"], 0)

    def test_bad_fault_requests(self):
        self.assertEqual(request(SERVER.port, "POST", "/_fault", {"next": ["explode"]})[0], 400)
        self.assertEqual(request(SERVER.port, "POST", "/_fault", {"rates": {"500": 2}})[0], 400)
        self.assertEqual(request(SERVER.port, "POST", "/_fault", b"[")[0], 400)

    def test_reset_clears_queued_faults(self):
        self.queue("500", "500")
        request(SERVER.port, "POST", "/_reset", {})
        self.assertEqual(chat(SERVER.port, [{"role": "user", "content": "a"}])[0], 200)

    def test_command_line_rates(self):
        srv = FakeServer("--fault-rate-500", "1")
        try:
            for _ in range(3):
                self.assertEqual(chat(srv.port, [{"role": "user", "content": "a"}])[0], 500)
        finally:
            srv.stop()
        srv = FakeServer("--fault-rate-malformed", "1")
        try:
            status, _, parsed, raw = chat(srv.port, [{"role": "user", "content": "a"}])
            self.assertEqual(status, 200)
            self.assertIsNone(parsed)
            self.assertTrue(raw)
        finally:
            srv.stop()
        srv = FakeServer("--fault-rate-timeout", "1", "--hang-ms", "100")
        try:
            with self.assertRaises((http.client.RemoteDisconnected, ConnectionResetError)):
                chat(srv.port, [{"role": "user", "content": "a"}], timeout=30)
        finally:
            srv.stop()


# ---- load, stats, lifecycle ------------------------------------------------


class TestBatches(unittest.TestCase):
    """/v1/files and /v1/batches: strict validation, a round trip, expiry, failed lines, cancellation, listing."""

    AUTH = {"Authorization": "Bearer sk-batch"}

    def setUp(self):
        self.srv = FakeServer()

    def tearDown(self):
        self.srv.stop()

    def upload(self, data, name="in.jsonl", purpose="batch"):
        b = "----fakebatch"
        parts = []
        if purpose is not None:
            parts.append(
                ('--%s\r\nContent-Disposition: form-data; name="purpose"\r\n\r\n%s\r\n' % (b, purpose)).encode()
            )
        parts.append(('--%s\r\nContent-Disposition: form-data; name="file"; filename="%s"\r\n'
                      "Content-Type: application/jsonl\r\n\r\n" % (b, name)).encode() + data + b"\r\n")
        body = b"".join(parts) + ("--%s--\r\n" % b).encode()
        hdrs = dict(self.AUTH, **{"Content-Type": "multipart/form-data; boundary=%s" % b})
        status, _, raw = request(self.srv.port, "POST", "/v1/files", body, hdrs)
        return status, json.loads(raw)

    def call(self, method, path, body=None):
        status, _, raw = request(self.srv.port, method, path, body, self.AUTH)
        return status, json.loads(raw)

    def content(self, file_id):
        status, headers, raw = request(self.srv.port, "GET", "/v1/files/%s/content" % file_id, None, self.AUTH)
        self.assertEqual(status, 200)
        return [json.loads(x) for x in raw.decode().splitlines()]

    @staticmethod
    def lines(n, marker=""):
        out = []
        for i in range(n):
            body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "resume %d %s" % (i, marker)}]}
            out.append(json.dumps({"custom_id": "r%d" % i, "method": "POST", "url": "/v1/chat/completions",
                                   "body": body}))
        return ("\n".join(out) + "\n").encode()

    def create(self, file_id, **extra):
        req = {"input_file_id": file_id, "endpoint": "/v1/chat/completions", "completion_window": "24h"}
        req.update(extra)
        return self.call("POST", "/v1/batches", req)

    def test_uploads_and_creations_are_validated(self):
        self.assertEqual(self.upload(self.lines(1), purpose=None)[0], 400)
        self.assertEqual(self.upload(self.lines(1), purpose="training")[0], 400)
        self.assertEqual(self.upload(self.lines(1), name="in.csv")[0], 400)
        self.assertEqual(self.upload(b"  \n")[0], 400)
        status, f = self.upload(self.lines(2))
        self.assertEqual(status, 200)
        self.assertEqual((f["object"], f["purpose"]), ("file", "batch"))
        self.assertEqual(self.create(f["id"], completion_window="48h")[0], 400)
        self.assertEqual(self.create(f["id"], endpoint="/v1/images")[0], 400)
        self.assertEqual(self.create(f["id"], priority=1)[0], 400)
        self.assertEqual(self.create(f["id"], metadata={"k": 1})[0], 400)
        self.assertEqual(self.create("file-missing")[0], 404)
        status, none = self.call("POST", "/v1/batches", {"endpoint": "/v1/chat/completions"})
        self.assertEqual(status, 400)
        self.assertEqual(none["error"]["param"], "input_file_id")
        # A line for another endpoint, or a repeated custom_id, fails the batch at validation.
        bad = self.lines(1) + self.lines(1)
        status, b = self.create(self.upload(bad)[1]["id"])
        self.assertEqual((status, b["status"]), (200, "failed"))
        self.assertEqual(b["errors"]["data"][0]["code"], "duplicate_custom_id")
        wrong = self.lines(1).replace(b"/v1/chat/completions", b"/v1/embeddings")
        status, b = self.create(self.upload(wrong)[1]["id"])
        self.assertEqual(b["errors"]["data"][0]["code"], "mismatched_endpoint")

    def test_round_trip_failed_lines_and_expiry(self):
        data = self.lines(3) + self.lines(1, "FAKE_BATCH_FAIL").replace(b"r0", b"x0")
        status, b = self.create(self.upload(data)[1]["id"], metadata={"shortlist_batch": "7"})
        self.assertEqual((status, b["object"], b["status"]), (200, "batch", "in_progress"))
        status, b = self.call("GET", "/v1/batches/" + b["id"])
        self.assertEqual(b["status"], "completed")
        self.assertEqual(b["request_counts"], {"total": 4, "completed": 3, "failed": 1})
        self.assertEqual(b["metadata"], {"shortlist_batch": "7"})
        rows = self.content(b["output_file_id"])
        self.assertEqual(sorted(r["custom_id"] for r in rows), ["r0", "r1", "r2"])
        self.assertEqual(rows[0]["response"]["status_code"], 200)
        self.assertEqual(rows[0]["response"]["body"]["object"], "chat.completion")
        self.assertEqual([r["custom_id"] for r in self.content(b["error_file_id"])], ["x0"])
        request(self.srv.port, "POST", "/_batch", {"next": [{"expire_after": 1}]})
        status, b = self.create(self.upload(self.lines(3))[1]["id"])
        b = self.call("GET", "/v1/batches/" + b["id"])[1]
        self.assertEqual((b["status"], b["request_counts"]["completed"]), ("expired", 1))
        self.assertEqual([r["error"]["code"] for r in self.content(b["error_file_id"])], ["batch_expired"] * 2)

    def test_delay_cancel_and_list(self):
        request(self.srv.port, "POST", "/_batch", {"delay_ms": 600000})
        ids = [self.create(self.upload(self.lines(1))[1]["id"])[1]["id"] for _ in range(3)]
        self.assertEqual(self.call("GET", "/v1/batches/" + ids[0])[1]["status"], "in_progress")
        status, b = self.call("POST", "/v1/batches/%s/cancel" % ids[0])
        self.assertEqual((status, b["status"]), (200, "cancelling"))
        self.assertEqual(self.call("POST", "/v1/batches/%s/cancel" % ids[0])[0], 409)
        b = self.call("GET", "/v1/batches/" + ids[0])[1]
        self.assertEqual((b["status"], b["output_file_id"]), ("cancelled", None))
        status, page = self.call("GET", "/v1/batches?limit=2")
        self.assertEqual(([x["id"] for x in page["data"]], page["has_more"]), ([ids[2], ids[1]], True))
        status, page = self.call("GET", "/v1/batches?limit=2&after=" + page["last_id"])
        self.assertEqual(([x["id"] for x in page["data"]], page["has_more"]), ([ids[0]], False))
        self.assertEqual(self.call("GET", "/v1/batches?limit=0")[0], 400)
        self.assertEqual(self.call("GET", "/v1/batches/batch_nope")[0], 404)
        self.assertEqual(request(self.srv.port, "GET", "/v1/batches/" + ids[1])[0], 401)


class TestLoadAndStats(unittest.TestCase):
    def test_concurrent_requests_really_overlap(self):
        srv = FakeServer("--latency-median-ms", "200", "--latency-sigma", "0.25")
        try:
            n = 100
            barrier = threading.Barrier(n)
            results = [None] * n

            def worker(i):
                try:
                    barrier.wait(30)
                    status, _, parsed, _ = chat(
                        srv.port,
                        scorer_messages(GOOD_RESUME + "\n#%d" % i),
                        response_format=schema_format(),
                        timeout=60,
                    )
                    results[i] = status
                except Exception as err:  # noqa: BLE001 - recorded and asserted below
                    results[i] = repr(err)

            threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
            self.assertEqual(results, [200] * n)
            stats = json.loads(request(srv.port, "GET", "/_stats")[2])
            self.assertEqual(stats["completions"], n)
            self.assertGreater(stats["max_in_flight"], 50)
            self.assertEqual(stats["in_flight"], 0)
        finally:
            srv.stop()

    def test_stats_counts(self):
        request(SERVER.port, "POST", "/_reset", {})
        usages = []
        for i in range(3):
            _, _, parsed, _ = chat(SERVER.port, [{"role": "user", "content": "count %d" % i}])
            usages.append(parsed["usage"])
        chat(SERVER.port, [{"role": "user", "content": "x"}], key=None)
        request(SERVER.port, "POST", "/_fault", {"next": ["500"]})
        chat(SERVER.port, [{"role": "user", "content": "x"}])
        body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "other model"}]}
        request(SERVER.port, "POST", "/v1/chat/completions", body, {"Authorization": "Bearer " + KEY})
        stats = json.loads(request(SERVER.port, "GET", "/_stats")[2])
        self.assertEqual(stats["requests"], 6)
        self.assertEqual(stats["completions"], 4)
        self.assertEqual(stats["faults"], 1)
        self.assertEqual(stats["faults_by_kind"], {"500": 1})
        self.assertEqual(stats["rate_limited"], 0)
        self.assertEqual(stats["status"], {"200": 4, "401": 1, "500": 1})
        self.assertEqual(stats["in_flight"], 0)
        self.assertGreaterEqual(stats["max_in_flight"], 1)
        self.assertEqual(stats["by_model"]["gpt-4o"]["completions"], 1)
        self.assertEqual(stats["by_model"]["gpt-4o-mini"]["requests"], 4)
        self.assertEqual(stats["by_model"]["gpt-4o-mini"]["completions"], 3)
        mini = stats["by_model"]["gpt-4o-mini"]
        self.assertEqual(mini["prompt_tokens"], sum(u["prompt_tokens"] for u in usages))
        self.assertEqual(mini["completion_tokens"], sum(u["completion_tokens"] for u in usages))
        request(SERVER.port, "POST", "/_reset", {})
        stats = json.loads(request(SERVER.port, "GET", "/_stats")[2])
        self.assertEqual((stats["requests"], stats["completions"], stats["by_model"]), (0, 0, {}))

    def test_sigterm_stops_and_removes_pidfile(self):
        with tempfile.TemporaryDirectory() as tmp:
            pidfile = os.path.join(tmp, "fake.pid")
            srv = FakeServer("--pidfile", pidfile)
            with open(pidfile) as f:
                self.assertEqual(int(f.read().strip()), srv.proc.pid)
            # A request stuck in a hang must not hold the server up.
            request(srv.port, "POST", "/_fault", {"next": ["timeout"]})
            outcome = []

            def hang():
                try:
                    chat(srv.port, [{"role": "user", "content": "a"}], timeout=60)
                    outcome.append("answered")
                except (OSError, http.client.HTTPException):
                    outcome.append("closed")

            hung = threading.Thread(target=hang, daemon=True)
            hung.start()
            for _ in range(100):
                if json.loads(request(srv.port, "GET", "/_stats")[2])["in_flight"] == 1:
                    break
                time.sleep(0.05)
            self.assertEqual(srv.stop(), 0)
            self.assertFalse(os.path.exists(pidfile))
            hung.join(30)
            self.assertEqual(outcome, ["closed"])


def main():
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    for test, reason in result.skipped:
        print("skip: %s: %s" % (test.id(), reason))
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    passed = result.testsRun - failed - len(result.skipped)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
