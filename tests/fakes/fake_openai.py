#!/usr/bin/python3
"""Fake OpenAI-compatible chat-completions server for Shortlist's tests and benchmarks.

Standard library only. Run: /usr/bin/python3 tests/fakes/fake_openai.py --port N [options].
See tests/fakes/README.md for the options, endpoints and fault kinds.
"""

import argparse
import collections
import hashlib
import http.server
import json
import math
import os
import random
import re
import signal
import socket
import socketserver
import string
import sys
import threading
import time
import traceback
import uuid

import fake_openai_batch

FAULT_KINDS = ("500", "503", "429", "timeout", "malformed", "refusal", "length", "disconnect")
REFUSAL_TEXT = "I'm sorry, I cannot help with that."
MARKER_RE = re.compile(r"FAKE_FAULT:([A-Za-z0-9_]+)")
WORD_RE = re.compile(r"[a-z0-9][a-z0-9+#]*")
SPAN_RE = re.compile(r"\S+")
CACHE_MIN_TOKENS = 1024
CACHE_STEP_TOKENS = 128
CACHE_TTL_S = 600.0
CACHE_MAX_ENTRIES = 200000
VALID_ROLES = ("system", "assistant", "user", "function", "tool", "developer")

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having he
    her here hers him his how i if in into is it its itself just me more most my no nor not now of off on once only
    or other our ours out over own same she should so some such than that the their theirs them then there these
    they this those through to too under until up very was we were what when where which while who whom why will
    with would you your yours role candidate candidates job work working experience years year able strong
    including include etc using use used new well within across team teams""".split()
)

# Words for plain text fields; evidence and scores come from the prompt instead.
FILLER = (
    "relevant experience matches the role requirements well with solid delivery record and clear ownership "
    "of production systems shows good communication skills some gaps remain in the listed areas"
).split()


def tokens_of(text):
    """Approximate token count of a text: one token per four characters."""
    if not text:
        return 0
    return (len(text) + 3) // 4


def duration_str(seconds):
    """Formats a duration the way the provider does in x-ratelimit-reset-*: 20ms, 1s, 8.64s, 6m0s, 1h2m3s."""
    ms = int(math.ceil(max(0.0, seconds) * 1000.0))
    if ms < 1000:
        return "%dms" % ms
    hours, rest = divmod(ms, 3600000)
    minutes, rest = divmod(rest, 60000)
    secs = rest / 1000.0
    sec_text = ("%.3f" % secs).rstrip("0").rstrip(".")
    if hours:
        return "%dh%dm%ss" % (hours, minutes, sec_text)
    if minutes:
        return "%dm%ss" % (minutes, sec_text)
    return "%ss" % sec_text


def message_text(msg):
    """Text of one message: a string content or the text parts of a list content."""
    if not isinstance(msg, dict):
        return ""
    content = msg.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
        return "\n".join(parts)
    return ""


def word_set(text):
    return {w for w in WORD_RE.findall(text.lower()) if len(w) > 2 and w not in STOPWORDS}


def error_body(message, etype, param=None, code=None):
    return {"error": {"message": message, "type": etype, "param": param, "code": code}}


def invalid(message, param=None, code=None, status=400):
    """An invalid_request_error answer, ready to raise."""
    return HttpError(status, error_body(message, "invalid_request_error", param, code))


class HttpError(Exception):
    """A provider-style error answer: status, error body and extra headers."""

    def __init__(self, status, body, headers=None):
        super().__init__(body["error"]["message"])
        self.status = status
        self.body = body
        self.headers = headers or {}


class Bucket:
    """A token bucket refilled continuously so that `capacity` units are available per 60 s."""

    def __init__(self, capacity):
        self.capacity = float(capacity)
        self.level = float(capacity)
        self.rate = float(capacity) / 60.0
        self.stamp = time.monotonic()

    def refill(self, now):
        if self.capacity <= 0:
            return
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_for(self, amount):
        """Seconds until `amount` units are available (0 when they are)."""
        if self.level >= amount:
            return 0.0
        return (amount - self.level) / self.rate

    def until_full(self):
        return (self.capacity - self.level) / self.rate if self.rate > 0 else 0.0


class PromptCache:
    """Remembers hashes of prompt prefixes (1024 tokens, then every 128) to report cached_tokens.

    As the real API does, a prefix is found again only for the same model and
    the same prompt_cache_key (none is a key of its own)."""

    def __init__(self):
        self.entries = collections.OrderedDict()

    def lookup_and_store(self, model, prompt, cache_key=None):
        total = tokens_of(prompt)
        if total < CACHE_MIN_TOKENS:
            return 0
        now = time.monotonic()
        h = hashlib.sha256(model.encode("utf-8", "replace") + b"\0")
        h.update(b"key:" + (cache_key or "").encode("utf-8", "replace") + b"\0")
        data = prompt.encode("utf-8", "replace")
        pos = 0
        keys = []
        boundary = CACHE_MIN_TOKENS
        while boundary <= total:
            end = min(len(data), boundary * 4)
            h.update(data[pos:end])
            pos = end
            keys.append((boundary, h.copy().digest()))
            boundary += CACHE_STEP_TOKENS
        cached = 0
        for boundary, key in keys:
            expiry = self.entries.get(key)
            if expiry is not None and expiry > now and boundary < total:
                cached = boundary
        for boundary, key in keys:
            self.entries[key] = now + CACHE_TTL_S
            self.entries.move_to_end(key)
        while len(self.entries) > CACHE_MAX_ENTRIES:
            self.entries.popitem(last=False)
        return cached


class SchemaError(Exception):
    pass


class Generator:
    """Builds an instance of a JSON schema, deterministically from `rng`, using the prompt for evidence and scores."""

    MAX_DEPTH = 12

    def __init__(self, root, rng, resume_text, job_words):
        self.root = root
        self.rng = rng
        self.resume = resume_text
        self.job_words = job_words
        resume_words = word_set(resume_text)
        self.overlap = sorted(resume_words & job_words)
        coverage = (len(self.overlap) / len(job_words)) if job_words else 0.0
        # sqrt spreads typical coverages (10-40 %) over the range while keeping the order.
        self.fit = math.sqrt(min(1.0, coverage))
        self.lines = self._quote_lines()

    def _quote_lines(self):
        """Candidate spans for quotes: lines of the resume with at least four words, best job overlap first."""
        lines = []
        offset = 0
        for line in self.resume.splitlines(True):
            spans = [(offset + m.start(), offset + m.end()) for m in SPAN_RE.finditer(line)]
            if len(spans) >= 4:
                hits = len(word_set(line) & self.job_words)
                lines.append((hits, spans))
            offset += len(line)
        if not lines:
            spans = [(m.start(), m.end()) for m in SPAN_RE.finditer(self.resume)]
            if spans:
                lines.append((0, spans))
        lines.sort(key=lambda item: (-item[0], item[1][0][0]))
        return lines

    def quote(self, max_len=None):
        if not self.lines:
            return ""
        top = self.lines[: max(1, min(5, len(self.lines)))]
        spans = top[self.rng.randrange(len(top))][1]
        if len(spans) <= 4:
            first, count = 0, len(spans)
        else:
            count = self.rng.randint(4, min(12, len(spans)))
            first = self.rng.randrange(len(spans) - count + 1)
        while True:
            text = self.resume[spans[first][0] : spans[first + count - 1][1]]
            if max_len is None or len(text) <= max_len or count == 1:
                break
            count -= 1
        if max_len is not None and len(text) > max_len:
            text = text[:max_len]
        return text

    def resolve(self, schema):
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema:
            ref = schema["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#"):
                raise SchemaError("unsupported $ref %r" % (ref,))
            node = self.root
            for part in [p for p in ref[1:].split("/") if p]:
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(node, dict) or part not in node:
                    raise SchemaError("unresolvable $ref %r" % (ref,))
                node = node[part]
            schema = node
            seen += 1
            if seen > 64:
                raise SchemaError("$ref loop")
        return schema

    def generate(self, schema, name="", depth=0):
        schema = self.resolve(schema)
        if schema is True or schema == {} or schema is None:
            return self.text(name, None, None)
        if not isinstance(schema, dict):
            raise SchemaError("schema must be an object")
        if "const" in schema:
            return schema["const"]
        if "enum" in schema and isinstance(schema["enum"], list) and schema["enum"]:
            return schema["enum"][self.rng.randrange(len(schema["enum"]))]
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list) and schema[key]:
                return self.generate(self.pick_branch(schema[key], name, depth), name, depth + 1)
        if isinstance(schema.get("allOf"), list) and len(schema["allOf"]) == 1:
            return self.generate(schema["allOf"][0], name, depth + 1)
        stype = schema.get("type")
        if isinstance(stype, list):
            non_null = [t for t in stype if t != "null"]
            if not non_null:
                return None
            if "null" in stype and not self.important(name) and (depth > self.MAX_DEPTH or self.rng.random() < 0.1):
                return None
            stype = non_null[self.rng.randrange(len(non_null))]
        if stype is None:
            if "properties" in schema:
                stype = "object"
            elif "items" in schema:
                stype = "array"
            else:
                stype = "string"
        if stype == "object":
            return self.gen_object(schema, depth)
        if stype == "array":
            return self.gen_array(schema, name, depth)
        if stype == "string":
            return self.gen_string(schema, name)
        if stype in ("number", "integer"):
            return self.gen_number(schema, name, stype == "integer")
        if stype == "boolean":
            return self.fit >= 0.5 if self.important(name) else self.rng.random() < 0.5
        if stype == "null":
            return None
        raise SchemaError("unsupported type %r" % (stype,))

    @staticmethod
    def important(name):
        lname = name.lower()
        return "quote" in lname or "evidence" in lname or "score" in lname or "rating" in lname

    def pick_branch(self, branches, name, depth):
        resolved = [self.resolve(b) for b in branches]
        nulls = [b for b, r in zip(branches, resolved) if isinstance(r, dict) and r.get("type") == "null"]
        others = [b for b, r in zip(branches, resolved) if not (isinstance(r, dict) and r.get("type") == "null")]
        if not others:
            return branches[0]
        if nulls and (depth > self.MAX_DEPTH or (not self.important(name) and self.rng.random() < 0.1)):
            return nulls[0]
        return others[self.rng.randrange(len(others))]

    def gen_object(self, schema, depth):
        props = schema.get("properties") or {}
        if not isinstance(props, dict):
            raise SchemaError("properties must be an object")
        required = schema.get("required") or []
        out = {}
        for key, sub in props.items():
            if depth > self.MAX_DEPTH and key not in required:
                continue
            out[key] = self.generate(sub, key, depth + 1)
        return out

    def gen_array(self, schema, name, depth):
        lo = schema.get("minItems")
        hi = schema.get("maxItems")
        lo = lo if isinstance(lo, int) and lo >= 0 else None
        hi = hi if isinstance(hi, int) and hi >= 0 else None
        if depth > self.MAX_DEPTH:
            count = lo or 0
        else:
            low = lo if lo is not None else 1
            high = hi if hi is not None else max(low, 3)
            if lo is None and hi is not None:
                low = min(1, hi)
            if high < low:
                high = low
            count = self.rng.randint(low, high)
        items = schema.get("items", {})
        prefix = schema.get("prefixItems") if isinstance(schema.get("prefixItems"), list) else []
        out = []
        for i in range(count):
            sub = prefix[i] if i < len(prefix) else items
            value = self.generate(sub, name, depth + 1)
            if schema.get("uniqueItems"):
                for _ in range(8):
                    if value not in out:
                        break
                    value = self.generate(sub, name, depth + 1)
            out.append(value)
        return out

    def gen_number(self, schema, name, integer):
        lo = schema.get("minimum")
        hi = schema.get("maximum")
        xlo = schema.get("exclusiveMinimum")
        xhi = schema.get("exclusiveMaximum")
        if isinstance(xlo, (int, float)) and not isinstance(xlo, bool):
            lo = xlo + (1 if integer else 1e-6) if lo is None else max(lo, xlo + (1 if integer else 1e-6))
        if isinstance(xhi, (int, float)) and not isinstance(xhi, bool):
            hi = xhi - (1 if integer else 1e-6) if hi is None else min(hi, xhi - (1 if integer else 1e-6))
        if lo is None and hi is None:
            lo, hi = (0, 100) if integer or self.important(name) else (0.0, 1.0)
        elif lo is None:
            lo = hi - 100
        elif hi is None:
            hi = lo + 100
        if integer:
            lo, hi = int(math.ceil(lo)), int(math.floor(hi))
            if hi < lo:
                raise SchemaError("empty integer range")
        lname = name.lower()
        if "score" in lname or "rating" in lname:
            value = lo + (hi - lo) * self.fit
        else:
            value = lo + (hi - lo) * self.rng.random()
        step = schema.get("multipleOf")
        if isinstance(step, (int, float)) and not isinstance(step, bool) and step > 0:
            value = math.ceil(lo / step) * step + math.floor((value - lo) / step) * step
            value = min(value, math.floor(hi / step) * step)
            return int(round(value)) if integer else round(value, 6)
        if integer:
            return min(hi, max(lo, int(math.floor(value + 0.5))))
        return min(hi, max(lo, round(value, 2)))

    def gen_string(self, schema, name):
        lname = name.lower()
        max_len = schema.get("maxLength") if isinstance(schema.get("maxLength"), int) else None
        min_len = schema.get("minLength") if isinstance(schema.get("minLength"), int) else 0
        fmt = schema.get("format")
        if fmt:
            value = self.formatted(fmt)
            if value is not None:
                return value
        if "quote" in lname or "evidence" in lname:
            value = self.quote(max_len)
            if len(value) >= min_len:
                return value
        return self.text(name, min_len, max_len)

    def formatted(self, fmt):
        rng = self.rng
        if fmt == "date-time":
            parts = (rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59))
            return "2024-%02d-%02dT%02d:%02d:00Z" % parts
        if fmt == "date":
            return "20%02d-%02d-%02d" % (rng.randint(10, 24), rng.randint(1, 12), rng.randint(1, 28))
        if fmt == "time":
            return "%02d:%02d:00" % (rng.randint(0, 23), rng.randint(0, 59))
        if fmt == "email":
            return "candidate%d@example.com" % rng.randint(1, 9999)
        if fmt == "uuid":
            return str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if fmt == "ipv4":
            return "192.0.2.%d" % rng.randint(1, 254)
        if fmt == "ipv6":
            return "2001:db8::%x" % rng.randint(1, 0xFFFF)
        if fmt == "hostname":
            return "host%d.example.com" % rng.randint(1, 99)
        if fmt == "duration":
            return "P%dY" % rng.randint(1, 20)
        return None

    def text(self, name, min_len, max_len):
        words = list(self.overlap[:])
        self.rng.shuffle(words)
        picked = words[:3]
        if picked:
            sentence = "Relevant experience with %s." % ", ".join(picked)
        else:
            n = self.rng.randint(5, 9)
            start = self.rng.randrange(len(FILLER) - n)
            sentence = " ".join(FILLER[start : start + n]).capitalize() + "."
        if min_len and len(sentence) < min_len:
            sentence = (sentence + " ") * (min_len // (len(sentence) + 1) + 1)
            sentence = sentence[: max(min_len, len(sentence.rstrip()))].rstrip() or sentence
            while len(sentence) < min_len:
                sentence += "."
        if max_len is not None and len(sentence) > max_len:
            sentence = sentence[:max_len]
        return sentence


def check_strict_schema(schema, name, root, path="", depth=0):
    """Rejects what the provider rejects for strict schemas: objects without additionalProperties false or
    without every property required."""
    if depth > 64:
        return
    if isinstance(schema, dict):
        if "$ref" in schema:
            return
        lead = path + ", " if path else ""
        stype = schema.get("type")
        types = stype if isinstance(stype, list) else [stype]
        if "object" in types or "properties" in schema:
            where = "context=(%s)" % path
            if schema.get("additionalProperties") is not False:
                raise HttpError(
                    400,
                    error_body(
                        "Invalid schema for response_format '%s': In %s, 'additionalProperties' is required to be "
                        "supplied and to be false." % (name, where),
                        "invalid_request_error",
                        "response_format",
                        None,
                    ),
                )
            props = schema.get("properties") or {}
            required = schema.get("required") or []
            missing = [k for k in props if k not in required]
            if missing:
                raise HttpError(
                    400,
                    error_body(
                        "Invalid schema for response_format '%s': In %s, 'required' is required to be supplied and to "
                        "be an array including every key in properties. Missing '%s'." % (name, where, missing[0]),
                        "invalid_request_error",
                        "response_format",
                        None,
                    ),
                )
            for key, sub in props.items():
                check_strict_schema(sub, name, root, "%s'properties', '%s'" % (lead, key), depth + 1)
        for key in ("items",):
            if isinstance(schema.get(key), dict):
                check_strict_schema(schema[key], name, root, "%s'items'" % lead, depth + 1)
        for key in ("anyOf", "allOf"):
            if isinstance(schema.get(key), list):
                for i, sub in enumerate(schema[key]):
                    check_strict_schema(sub, name, root, "%s'%s', '%d'" % (lead, key, i), depth + 1)
        for key in ("$defs", "definitions"):
            if isinstance(schema.get(key), dict):
                for sub_name, sub in schema[key].items():
                    check_strict_schema(sub, name, root, "%s'%s', '%s'" % (lead, key, sub_name), depth + 1)


# ---- job criteria ("job_criteria" schema) -------------------------------

CRITERIA_SCHEMA_NAME = "job_criteria"
BULLET_RE = re.compile(r"^\s*(?:[-*\u2022\u2013]|\d+[.)])\s+(.*\S)\s*$")
MUST_HEADING_RE = re.compile(r"requir|must|essential|qualification|you have|what you bring", re.I)
NICE_HEADING_RE = re.compile(r"nice|bonus|plus|prefer|desirable|ideally", re.I)


def criteria_keywords(text, limit=5):
    """The line's distinctive words, in their order: no stop words, at least three letters, no repeats."""
    out = []
    for w in WORD_RE.findall(text.lower()):
        if len(w) >= 3 and w not in STOPWORDS and w not in out:
            out.append(w)
        if len(out) == limit:
            break
    return out


def criteria_answer(user_text):
    """A rubric made from the description deterministically: one criterion per bullet of its lists (a must-have
    under a requirements heading, a nice-to-have under a bonus heading), else one per sentence; at most 10."""
    desc = user_text.split("Description:", 1)[1] if "Description:" in user_text else user_text
    items = []
    section = None
    for line in desc.splitlines():
        m = BULLET_RE.match(line)
        if not m:
            stripped = line.strip()
            if stripped and len(stripped) <= 80 and (stripped.endswith(":") or stripped.startswith("#")):
                section = "nice" if NICE_HEADING_RE.search(stripped) else "must" if MUST_HEADING_RE.search(
                    stripped) else None
            continue
        items.append((m.group(1), section))
    if not items:
        sentences = [x.strip() for x in re.split(r"(?<=[.!?])\s+", desc) if len(x.strip()) > 10]
        items = [(x, None) for x in sentences[:5]]
    criteria, seen = [], set()
    for text, section in items:
        title = re.split(r"[;:.(]", text, 1)[0].strip()[:80].strip() or text[:80]
        if title.lower() in seen:
            continue
        seen.add(title.lower())
        keywords = criteria_keywords(text) or [title.lower()]
        criteria.append({
            "title": title,
            "evidence": "The resume shows %s." % text.rstrip(".").strip(),
            "weight": 8 if section == "must" else 4 if section == "nice" else 6,
            "must_have": section == "must",
            "keywords": keywords,
        })
        if len(criteria) == 10:
            break
    return {"criteria": criteria}


REASONING_RE = re.compile(r"^(?:openai/)?(?:o\d|gpt-5)")
REASONING_MARKER_RE = re.compile(r"FAKE_REASONING:(\d{1,7})")
# Composition keywords strict mode refuses for every model; fine-tuned models refuse the value bounds too.
STRICT_COMPOSITION = ("allOf", "not", "dependentRequired", "dependentSchemas", "if", "then", "else")
STRICT_BOUNDS = ("minLength", "maxLength", "pattern", "format", "minimum", "maximum", "multipleOf",
                 "patternProperties", "minItems", "maxItems")


def is_reasoning_model(model):
    """o1, o3, o4-mini, the gpt-5 family: the default temperature only, hidden reasoning tokens."""
    return bool(REASONING_RE.match(model))


def check_strict_keywords(schema, name, fine_tuned, path="", depth=0):
    """Raises the provider's 400 for a keyword strict mode does not support."""
    if depth > 64:
        return
    if isinstance(schema, dict):
        refused = STRICT_COMPOSITION + (STRICT_BOUNDS if fine_tuned else ())
        for key in schema:
            if key in refused:
                where = "context=(%s)" % path
                raise HttpError(
                    400,
                    error_body(
                        "Invalid schema for response_format '%s': In %s, '%s' is not permitted." % (name, where, key),
                        "invalid_request_error",
                        "response_format",
                        None,
                    ),
                )
        for key, sub in schema.items():
            if key in ("properties", "$defs", "definitions") and isinstance(sub, dict):
                for sub_name, s in sub.items():
                    check_strict_keywords(s, name, fine_tuned, "%s%s'%s', '%s'" % (path, ", " if path else "", key,
                                                                               sub_name), depth + 1)
            elif isinstance(sub, (dict, list)):
                check_strict_keywords(sub, name, fine_tuned, "%s%s'%s'" % (path, ", " if path else "", key),
                                      depth + 1)
    elif isinstance(schema, list):
        for i, sub in enumerate(schema):
            check_strict_keywords(sub, name, fine_tuned, "%s, '%d'" % (path, i), depth + 1)


class State:
    """Everything shared between request threads; guarded by `lock`."""

    def __init__(self, opts):
        self.opts = opts
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.latency_rng = random.Random(opts.random_seed)
        self.fault_rng = random.Random(None if opts.random_seed is None else opts.random_seed + 1)
        self.fingerprint = "fp_" + hashlib.sha256(b"shortlist-fake").hexdigest()[:10]
        self.rates = {
            "500": opts.fault_rate_500,
            "timeout": opts.fault_rate_timeout,
            "malformed": opts.fault_rate_malformed,
        }
        self.hang_ms = opts.hang_ms
        self.retry_after_ms = opts.fault_retry_after_ms
        self.cache = PromptCache()
        self.batch = fake_openai_batch.BatchStore(opts.batch_delay_ms)
        self.reset()

    def reset(self):
        with self.lock:
            self.generation = getattr(self, "generation", 0) + 1
            self.queue = collections.deque()
            self.rpm = Bucket(self.opts.rpm) if self.opts.rpm > 0 else None
            self.tpm = Bucket(self.opts.tpm) if self.opts.tpm > 0 else None
            self.cache = PromptCache()
            self.kept = collections.deque(maxlen=max(0, self.opts.keep_requests) or None)
            self.stats = {
                "requests": 0,
                "completions": 0,
                "rate_limited": 0,
                "faults": 0,
                "faults_by_kind": {},
                "errors": 0,
                "status": {},
                "in_flight": getattr(self, "stats", {}).get("in_flight", 0),
                "max_in_flight": 0,
                "prompt_tokens": 0,
                "completion_tokens": 0,
                "cached_tokens": 0,
                "by_model": {},
                "by_schema": {},
            }

    def snapshot(self):
        with self.lock:
            out = json.loads(json.dumps(self.stats))
            out["queued_faults"] = list(self.queue)
            out["fault_rates"] = dict(self.rates)
            return out


def build_parser():
    p = argparse.ArgumentParser(description="Fake OpenAI-compatible chat-completions server.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True, help="TCP port (0: any free port, printed on stderr)")
    p.add_argument("--models", default="gpt-4o-mini,gpt-4o,gpt-4o-2024-08-06", help="comma-separated model names")
    p.add_argument("--reject-unknown-models", action="store_true", help="404 model_not_found for other models")
    p.add_argument("--api-key", default="", help="accept only this bearer key (default: any non-empty key)")
    p.add_argument("--latency-median-ms", type=float, default=0.0)
    p.add_argument("--latency-sigma", type=float, default=0.25, help="lognormal shape parameter")
    p.add_argument("--latency-max-ms", type=float, default=0.0, help="cap on the sampled latency (0: none)")
    p.add_argument("--rpm", type=int, default=0, help="requests per minute (0: unlimited)")
    p.add_argument("--tpm", type=int, default=0, help="tokens per minute (0: unlimited)")
    p.add_argument("--fault-rate-500", type=float, default=0.0)
    p.add_argument("--fault-rate-timeout", type=float, default=0.0)
    p.add_argument("--fault-rate-malformed", type=float, default=0.0)
    p.add_argument("--hang-ms", type=int, default=620000, help="how long a timeout fault hangs before closing")
    p.add_argument("--fault-retry-after-ms", type=int, default=1000, help="retry-after of a forced 429/503")
    p.add_argument("--context-tokens", type=int, default=128000, help="model context length")
    p.add_argument("--keep-requests", type=int, default=0,
                   help="keep the last N chat request bodies as received, served at GET /_requests (0: none)")
    p.add_argument("--reasoning-tokens", type=int, default=600,
                   help="hidden reasoning tokens a reasoning model (o-series, gpt-5) spends per answer")
    p.add_argument("--batch-delay-ms", type=int, default=0,
                   help="how long a batch takes to complete after it is created (POST /_batch changes it)")
    p.add_argument("--max-body-bytes", type=int, default=16 * 1024 * 1024)
    p.add_argument("--idle-timeout-s", type=float, default=300.0, help="close idle keep-alive connections after this")
    p.add_argument("--random-seed", type=int, default=None, help="seed latency and fault-rate draws")
    p.add_argument("--pidfile", default="")
    p.add_argument("--verbose", action="store_true", help="log one line per request to stderr")
    return p


class Handler(fake_openai_batch.BatchMixin, http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-openai"
    sys_version = ""
    disable_nagle_algorithm = True

    # Filled in by main().
    state = None

    def setup(self):
        self.timeout = self.state.opts.idle_timeout_s
        super().setup()

    def log_message(self, fmt, *args):  # noqa: N802 - silence the default access log
        pass

    # ---- plumbing -------------------------------------------------------

    def send_raw(self, status, body, headers=None, content_type="application/json"):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        reason = http.HTTPStatus(status).phrase if status in http.HTTPStatus._value2member_map_ else "Unknown"
        lines = [
            "HTTP/1.1 %d %s" % (status, reason),
            "Date: %s" % self.date_time_string(),
            "Content-Type: %s" % content_type,
            "Content-Length: %d" % len(body),
            "Connection: %s" % ("close" if self.close_connection else "keep-alive"),
            "x-request-id: req_%s" % uuid.uuid4().hex,
            "openai-version: 2020-10-01",
            "openai-processing-ms: %d" % int((time.monotonic() - self.t0) * 1000),
        ]
        for key, value in (headers or {}).items():
            lines.append("%s: %s" % (key, value))
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.status = status
        self.count_status(str(status))
        self.wfile.write(head + body)
        self.wfile.flush()

    def count_status(self, key):
        """Counts an answer before it is sent (and ends its in-flight time), so that a client reading /_stats
        right after its answer sees it counted."""
        if self.path.startswith("/v1/"):
            with self.state.lock:
                st = self.state.stats
                st["status"][key] = st["status"].get(key, 0) + 1
                if self.in_flight:
                    st["in_flight"] -= 1
                    self.in_flight = False

    def read_body(self):
        limit = self.state.opts.max_body_bytes
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            size = 0
            while True:
                line = self.rfile.readline(1024)
                if not line:
                    raise ConnectionError("eof in chunked body")
                try:
                    n = int(line.split(b";")[0].strip() or b"0", 16)
                except ValueError:
                    self.close_connection = True
                    raise invalid("Invalid chunked request body.")
                if n == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                size += n
                if size > limit:
                    self.close_connection = True
                    raise HttpError(413, error_body("Request body too large.", "invalid_request_error"))
                chunks.append(self.rfile.read(n))
                self.rfile.readline(1024)
            return b"".join(chunks)
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        try:
            n = int(length)
        except ValueError:
            self.close_connection = True
            raise HttpError(400, error_body("Invalid Content-Length header.", "invalid_request_error"))
        if n < 0 or n > limit:
            self.close_connection = True
            raise HttpError(413, error_body("Request body too large.", "invalid_request_error"))
        return self.rfile.read(n)

    def log_line(self, extra=""):
        if self.state.opts.verbose:
            sys.stderr.write(
                "fake_openai: %s %s %s %.1fms%s\n"
                % (self.command, self.path, getattr(self, "status", "-"), (time.monotonic() - self.t0) * 1000, extra)
            )

    # ---- routing --------------------------------------------------------

    def do_GET(self):  # noqa: N802
        self.dispatch("GET")

    def do_POST(self):  # noqa: N802
        self.dispatch("POST")

    def do_DELETE(self):  # noqa: N802
        self.dispatch("DELETE")

    def do_PUT(self):  # noqa: N802
        self.dispatch("PUT")

    def dispatch(self, method):
        self.t0 = time.monotonic()
        self.status = None
        self.in_flight = False
        self.extra = ""
        path = self.path.split("?", 1)[0]
        if path.startswith("/v1/") or path == "/v1":
            with self.state.lock:
                self.state.stats["requests"] += 1
        try:
            try:
                body = self.read_body()
                if method == "GET" and path == "/health":
                    self.send_raw(200, {"status": "ok"})
                elif method == "GET" and path == "/_stats":
                    self.send_raw(200, self.state.snapshot())
                elif method == "GET" and path == "/_requests":
                    with self.state.lock:
                        kept = list(self.state.kept) if self.state.opts.keep_requests > 0 else []
                    self.send_raw(200, {"requests": kept})
                elif method == "POST" and path == "/_reset":
                    self.state.reset()
                    self.state.batch.reset()
                    self.send_raw(200, {"status": "reset"})
                elif path == "/_fault" and method in ("GET", "POST"):
                    self.fault_control(body if method == "POST" else None)
                elif self.batch_route(method, path, body):
                    pass
                elif method == "POST" and path == "/v1/chat/completions":
                    if self.state.opts.keep_requests > 0:
                        with self.state.lock:
                            self.state.kept.append(body.decode("utf-8", "replace"))
                    self.chat(body)
                elif method == "GET" and path == "/v1/models":
                    self.authorize()
                    self.send_raw(200, {"object": "list", "data": [self.model_obj(m) for m in self.models()]})
                elif method == "GET" and path.startswith("/v1/models/"):
                    self.authorize()
                    name = path[len("/v1/models/") :]
                    if name not in self.models():
                        raise invalid("The model '%s' does not exist" % name, "model", "model_not_found", 404)
                    self.send_raw(200, self.model_obj(name))
                else:
                    raise HttpError(
                        404, error_body("Invalid URL (%s %s)" % (method, path), "invalid_request_error")
                    )
            except HttpError as err:
                if path.startswith("/v1/"):
                    with self.state.lock:
                        self.state.stats["errors"] += 1
                self.send_raw(err.status, err.body, err.headers)
        except (ConnectionError, socket.timeout, BrokenPipeError):
            self.close_connection = True
        except Exception:  # noqa: BLE001 - a bug in the fake must not look like a network failure
            traceback.print_exc(file=sys.stderr)
            self.close_connection = True
            if self.status is None:
                try:
                    self.send_raw(500, error_body("fake_openai internal error", "server_error"))
                except OSError:
                    pass
        if self.status is None:
            self.count_status("none")
        self.log_line(self.extra)

    def models(self):
        return [m for m in self.state.opts.models.split(",") if m]

    @staticmethod
    def model_obj(name):
        return {"id": name, "object": "model", "created": 1715367049, "owned_by": "system"}

    def authorize(self):
        auth = self.headers.get("Authorization") or ""
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            raise HttpError(
                401,
                error_body(
                    "You didn't provide an API key. You need to provide your API key in an Authorization header using "
                    "Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) "
                    "if you're accessing the API from your browser and are prompted for a username and password. You "
                    "can obtain an API key from https://platform.openai.com/account/api-keys.",
                    "invalid_request_error",
                ),
            )
        key = auth[7:].strip()
        want = self.state.opts.api_key
        if want and key != want:
            shown = key[:3] + "*" * 10 + key[-4:] if len(key) > 8 else "*" * len(key)
            raise HttpError(
                401,
                error_body(
                    "Incorrect API key provided: %s. You can find your API key at "
                    "https://platform.openai.com/account/api-keys." % shown,
                    "invalid_request_error",
                    None,
                    "invalid_api_key",
                ),
            )

    # ---- fault control --------------------------------------------------

    def fault_control(self, body):
        st = self.state
        if body is not None:
            try:
                req = json.loads(body or b"{}")
                if not isinstance(req, dict):
                    raise ValueError("not an object")
            except ValueError:
                raise HttpError(400, error_body("body must be a JSON object", "invalid_request_error"))
            nxt = req.get("next", [])
            if isinstance(nxt, str):
                nxt = [nxt]
            if not isinstance(nxt, list) or any(str(k) not in FAULT_KINDS for k in nxt):
                raise invalid("next must list fault kinds among %s" % ", ".join(FAULT_KINDS), "next")
            rates = req.get("rates", {})
            if not isinstance(rates, dict) or any(
                k not in FAULT_KINDS or not isinstance(v, (int, float)) or not 0 <= v <= 1 for k, v in rates.items()
            ):
                raise HttpError(400, error_body("rates must map fault kinds to 0..1", "invalid_request_error", "rates"))
            with st.lock:
                if req.get("clear"):
                    st.queue.clear()
                st.queue.extend(str(k) for k in nxt)
                for k, v in rates.items():
                    st.rates[k] = float(v)
                if isinstance(req.get("hang_ms"), int) and req["hang_ms"] >= 0:
                    st.hang_ms = req["hang_ms"]
                if isinstance(req.get("retry_after_ms"), int) and req["retry_after_ms"] >= 0:
                    st.retry_after_ms = req["retry_after_ms"]
        with st.lock:
            out = {
                "queued": list(st.queue),
                "rates": dict(st.rates),
                "hang_ms": st.hang_ms,
                "retry_after_ms": st.retry_after_ms,
            }
        self.send_raw(200, out)

    def choose_fault(self, messages):
        for msg in messages:
            for kind in MARKER_RE.findall(message_text(msg)):
                if kind in FAULT_KINDS:
                    return kind, "marker"
        st = self.state
        with st.lock:
            if st.queue:
                return st.queue.popleft(), "queue"
            for kind, rate in st.rates.items():
                if rate > 0 and st.fault_rng.random() < rate:
                    return kind, "rate"
        return None, None

    # ---- chat completions -----------------------------------------------

    def chat(self, raw):
        self.authorize()
        req = self.parse_request_body(raw)
        model = req["model"]
        messages = req["messages"]
        prompt = "\n".join("%s: %s" % (m.get("role"), message_text(m)) for m in messages)
        prompt_tokens = tokens_of(prompt)
        limit = self.state.opts.context_tokens
        max_out = req.get("max_completion_tokens", req.get("max_tokens"))
        if prompt_tokens + (max_out or 0) > limit:
            raise HttpError(
                400,
                error_body(
                    "This model's maximum context length is %d tokens. However, you requested %d tokens (%d in the "
                    "messages, %d in the completion). Please reduce the length of the messages or completion."
                    % (limit, prompt_tokens + (max_out or 0), prompt_tokens, max_out or 0),
                    "invalid_request_error",
                    "messages",
                    "context_length_exceeded",
                ),
            )
        st = self.state
        with st.lock:
            st.stats["in_flight"] += 1
            st.stats["max_in_flight"] = max(st.stats["max_in_flight"], st.stats["in_flight"])
            self.in_flight = True
            bm = st.stats["by_model"].setdefault(
                model, {"requests": 0, "completions": 0, "prompt_tokens": 0, "completion_tokens": 0}
            )
            bm["requests"] += 1
        try:
            rl_headers = self.admit(model, prompt_tokens + (max_out or 0))
            self.answer(req, model, messages, prompt, prompt_tokens, max_out, rl_headers)
        finally:
            with st.lock:
                if self.in_flight:
                    st.stats["in_flight"] -= 1
                    self.in_flight = False

    def parse_request_body(self, raw):
        """Parses and validates a chat-completions body the way the provider does; raises HttpError."""
        try:
            req = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise invalid(
                "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your "
                "HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid "
                "JSON. If you have trouble figuring out how to fix this, please contact us through our help "
                "center at help.openai.com.)"
            )
        if not isinstance(req, dict):
            raise invalid("Invalid type for request body: expected an object.")
        for param in ("model", "messages"):
            if param not in req:
                raise invalid("Missing required parameter: '%s'." % param, param, "missing_required_parameter")
        if not isinstance(req["model"], str) or not req["model"]:
            raise invalid("Invalid type for 'model': expected a string.", "model", "invalid_type")
        if self.state.opts.reject_unknown_models and req["model"] not in self.models():
            msg = "The model `%s` does not exist or you do not have access to it." % req["model"]
            raise invalid(msg, None, "model_not_found", 404)
        messages = req["messages"]
        if not isinstance(messages, list):
            raise invalid("Invalid type for 'messages': expected an array.", "messages", "invalid_type")
        if not messages:
            msg = "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array."
            raise invalid(msg, "messages", "empty_array")
        for i, msg in enumerate(messages):
            where = "messages[%d]" % i
            if not isinstance(msg, dict):
                raise invalid("Invalid type for '%s': expected an object." % where, where, "invalid_type")
            if "role" not in msg:
                text = "Missing required parameter: '%s.role'." % where
                raise invalid(text, where + ".role", "missing_required_parameter")
            if msg["role"] not in VALID_ROLES:
                text = (
                    "Invalid value: '%s'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', "
                    "and 'developer'." % msg["role"]
                )
                raise invalid(text, where + ".role", "invalid_value")
            content = msg.get("content")
            if content is not None and not isinstance(content, (str, list)):
                text = "Invalid type for '%s.content': expected one of a string or array of objects." % where
                raise invalid(text, where + ".content", "invalid_type")
        for key in ("max_tokens", "max_completion_tokens", "n", "seed"):
            value = req.get(key)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise invalid("Invalid type for '%s': expected an integer." % key, key, "invalid_type")
        for key in ("max_tokens", "max_completion_tokens", "n"):
            if isinstance(req.get(key), int) and req[key] < 1:
                text = "Invalid '%s': integer below minimum value. Expected a value >= 1, but got %d instead."
                raise invalid(text % (key, req[key]), key, "integer_below_min_value")
        if isinstance(req.get("n"), int) and req["n"] > 128:
            text = "Invalid 'n': integer above maximum value. Expected a value <= 128, but got %d instead."
            raise invalid(text % req["n"], "n", "integer_above_max_value")
        cache_key = req.get("prompt_cache_key")
        if cache_key is not None and not isinstance(cache_key, str):
            raise invalid("Invalid type for 'prompt_cache_key': expected a string.", "prompt_cache_key", "invalid_type")
        temperature = req.get("temperature")
        if temperature is not None:
            if not isinstance(temperature, (int, float)) or isinstance(temperature, bool):
                raise invalid("Invalid type for 'temperature': expected a decimal.", "temperature", "invalid_type")
            if temperature > 2:
                text = "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got %s instead."
                raise invalid(text % temperature, "temperature", "decimal_above_max_value")
            if temperature < 0:
                text = "Invalid 'temperature': decimal below minimum value. Expected a value >= 0, but got %s instead."
                raise invalid(text % temperature, "temperature", "decimal_below_min_value")
        if is_reasoning_model(req["model"]):
            if temperature is not None and temperature != 1:
                text = "Unsupported value: 'temperature' does not support %s with this model. Only the default (1) " \
                    "value is supported." % temperature
                raise invalid(text, "temperature", "unsupported_value")
            for key in ("top_p", "presence_penalty", "frequency_penalty", "logprobs"):
                if key in req:
                    text = "Unsupported parameter: '%s' is not supported with this model." % key
                    raise invalid(text, key, "unsupported_parameter")
            if "max_tokens" in req:
                text = "Unsupported parameter: 'max_tokens' is not supported with this model. Use " \
                    "'max_completion_tokens' instead."
                raise invalid(text, "max_tokens", "unsupported_parameter")
        fmt = req.get("response_format")
        if fmt is not None:
            self.check_response_format(fmt, messages, req["model"])
        return req

    def check_response_format(self, fmt, messages, model=""):
        if not isinstance(fmt, dict) or fmt.get("type") not in ("text", "json_object", "json_schema"):
            text = "Invalid value for 'response_format.type': expected one of 'text', 'json_object' or 'json_schema'."
            raise invalid(text, "response_format.type", "invalid_value")
        if fmt["type"] == "json_object":
            if not any("json" in message_text(m).lower() for m in messages):
                text = "'messages' must contain the word 'json' in some form, to use 'response_format' of type " \
                    "'json_object'."
                raise invalid(text, "messages")
            return
        if fmt["type"] != "json_schema":
            return
        js = fmt.get("json_schema")
        if not isinstance(js, dict):
            text = "Missing required parameter: 'response_format.json_schema'."
            raise invalid(text, "response_format.json_schema", "missing_required_parameter")
        param = "response_format.json_schema.name"
        if "name" not in js:
            raise invalid("Missing required parameter: '%s'." % param, param, "missing_required_parameter")
        if not isinstance(js["name"], str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", js["name"]):
            text = "Invalid '%s': string does not match pattern. Expected a string that matches the pattern " \
                "'^[a-zA-Z0-9_-]+$'." % param
            raise invalid(text, param, "invalid_value")
        schema = js.get("schema", {})
        if not isinstance(schema, dict):
            param = "response_format.json_schema.schema"
            raise invalid("Invalid type for '%s': expected an object." % param, param, "invalid_type")
        if js.get("strict"):
            if schema.get("type") != "object":
                text = "Invalid schema for response_format '%s': schema must be a JSON Schema of 'type: \"object\"', " \
                    "got 'type: \"%s\"'." % (js["name"], schema.get("type"))
                raise invalid(text, "response_format")
            check_strict_schema(schema, js["name"], schema)
            check_strict_keywords(schema, js["name"], model.startswith("ft:"))

    def admit(self, model, cost):
        """Applies the rolling rate limits; returns the x-ratelimit-* headers or raises a 429."""
        st = self.state
        now = time.monotonic()
        with st.lock:
            rpm, tpm = st.rpm, st.tpm
            for b in (rpm, tpm):
                if b:
                    b.refill(now)
            kind = None
            wait = 0.0
            too_large = False
            if tpm and cost > tpm.capacity:
                kind, too_large = "tokens", True
            elif rpm and rpm.level < 1:
                kind, wait = "requests", rpm.wait_for(1)
            elif tpm and tpm.level < cost:
                kind, wait = "tokens", tpm.wait_for(cost)
            if kind is None:
                if rpm:
                    rpm.level -= 1
                if tpm:
                    tpm.level -= cost
            headers = {}
            if rpm:
                headers["x-ratelimit-limit-requests"] = str(int(rpm.capacity))
                headers["x-ratelimit-remaining-requests"] = str(max(0, int(math.floor(rpm.level))))
                headers["x-ratelimit-reset-requests"] = duration_str(rpm.until_full())
            if tpm:
                headers["x-ratelimit-limit-tokens"] = str(int(tpm.capacity))
                headers["x-ratelimit-remaining-tokens"] = str(max(0, int(math.floor(tpm.level))))
                headers["x-ratelimit-reset-tokens"] = duration_str(tpm.until_full())
            if kind is not None:
                st.stats["rate_limited"] += 1
        if kind is None:
            return headers
        org = "org-fakeshortlist000000000"
        if too_large:
            msg = (
                "Request too large for %s in organization %s on tokens per min (TPM): Limit %d, Requested %d. The "
                "input or output tokens must be reduced in order to run successfully. Visit "
                "https://platform.openai.com/account/rate-limits to learn more." % (model, org, tpm.capacity, cost)
            )
            raise HttpError(429, error_body(msg, "tokens", None, "rate_limit_exceeded"), headers)
        if kind == "requests":
            limit_text = "requests per min (RPM): Limit %d, Used %d, Requested 1" % (rpm.capacity, rpm.capacity)
        else:
            used = int(tpm.capacity - max(0.0, tpm.level))
            limit_text = "tokens per min (TPM): Limit %d, Used %d, Requested %d" % (tpm.capacity, used, cost)
        msg = (
            "Rate limit reached for %s in organization %s on %s. Please try again in %s. Visit "
            "https://platform.openai.com/account/rate-limits to learn more."
            % (model, org, limit_text, duration_str(wait))
        )
        headers["retry-after"] = str(max(1, int(math.ceil(wait))))
        headers["retry-after-ms"] = str(max(1, int(math.ceil(wait * 1000))))
        raise HttpError(429, error_body(msg, kind, None, "rate_limit_exceeded"), headers)

    def sleep_latency(self):
        opts = self.state.opts
        if opts.latency_median_ms <= 0:
            return
        with self.state.lock:
            z = self.state.latency_rng.gauss(0.0, 1.0)
        ms = opts.latency_median_ms * math.exp(opts.latency_sigma * z)
        if opts.latency_max_ms > 0:
            ms = min(ms, opts.latency_max_ms)
        self.state.stop.wait(ms / 1000.0)

    def count_fault(self, kind):
        with self.state.lock:
            st = self.state.stats
            st["faults"] += 1
            st["faults_by_kind"][kind] = st["faults_by_kind"].get(kind, 0) + 1
        self.extra += " fault=%s" % kind

    def answer(self, req, model, messages, prompt, prompt_tokens, max_out, rl_headers):
        st = self.state
        kind, source = self.choose_fault(messages)
        if kind == "timeout":
            self.count_fault(kind)
            with st.lock:
                hang = st.hang_ms
                generation = st.generation
            # Hang until the deadline, shutdown or POST /_reset, whichever comes first.
            deadline = time.monotonic() + hang / 1000.0
            while not st.stop.is_set() and st.generation == generation:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                st.stop.wait(min(left, 0.05))
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if kind == "disconnect":
            self.count_fault(kind)
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.sleep_latency()
        if kind in ("500", "503", "429"):
            self.count_fault(kind)
            headers = dict(rl_headers)
            with st.lock:
                ra = st.retry_after_ms
            if kind == "500":
                msg = "The server had an error while processing your request. Sorry about that!"
                err = HttpError(500, error_body(msg, "server_error"), headers)
            elif kind == "503":
                headers["retry-after"] = str(max(1, int(math.ceil(ra / 1000.0))))
                headers["retry-after-ms"] = str(ra)
                err = HttpError(503, error_body("The server is overloaded or not ready yet.", "server_error"), headers)
            else:
                headers["retry-after"] = str(max(1, int(math.ceil(ra / 1000.0))))
                headers["retry-after-ms"] = str(ra)
                headers["x-ratelimit-remaining-requests"] = "0"
                err = HttpError(
                    429,
                    error_body(
                        "Rate limit reached for %s in organization org-fakeshortlist000000000 on requests per min "
                        "(RPM): Limit 3, Used 3, Requested 1. Please try again in %s. Visit "
                        "https://platform.openai.com/account/rate-limits to learn more."
                        % (model, duration_str(ra / 1000.0)),
                        "requests",
                        None,
                        "rate_limit_exceeded",
                    ),
                    headers,
                )
                with st.lock:
                    st.stats["rate_limited"] += 1
            raise err

        cached = 0
        with st.lock:
            cached = st.cache.lookup_and_store(model, prompt, req.get("prompt_cache_key"))
        completion = self.build_completion(req, model, messages, prompt_tokens, cached, max_out, kind)
        if kind:
            self.count_fault(kind)
        usage = completion["usage"]
        with st.lock:
            s = st.stats
            if kind != "malformed":
                s["completions"] += 1
            s["prompt_tokens"] += usage["prompt_tokens"]
            s["completion_tokens"] += usage["completion_tokens"]
            s["cached_tokens"] += cached
            bm = s["by_model"].setdefault(
                model, {"requests": 0, "completions": 0, "prompt_tokens": 0, "completion_tokens": 0}
            )
            bm["completions"] += 1
            bm["prompt_tokens"] += usage["prompt_tokens"]
            bm["completion_tokens"] += usage["completion_tokens"]
            if kind != "malformed":
                # Completions by the json_schema's name ("" for other formats): what the call was for.
                fmt = req.get("response_format") if isinstance(req.get("response_format"), dict) else {}
                js = fmt.get("json_schema") if isinstance(fmt.get("json_schema"), dict) else {}
                name = js.get("name") if isinstance(js.get("name"), str) else ""
                s["by_schema"][name] = s["by_schema"].get(name, 0) + 1
        self.extra += " model=%s pt=%d ct=%d" % (model, usage["prompt_tokens"], usage["completion_tokens"])
        if kind == "malformed":
            text = json.dumps(completion)
            cut = max(1, len(text) // 2)
            self.send_raw(200, text[:cut], rl_headers)
            return
        if req.get("stream"):
            self.send_stream(completion, rl_headers, req.get("stream_options") or {})
            return
        self.send_raw(200, completion, rl_headers)

    def build_completion(self, req, model, messages, prompt_tokens, cached, max_out, fault):
        fmt = req.get("response_format") or {"type": "text"}
        n = req.get("n") or 1
        seed_src = json.dumps([messages, req.get("seed"), fmt, model], sort_keys=True, default=str)
        base_seed = int.from_bytes(hashlib.sha256(seed_src.encode("utf-8", "replace")).digest()[:8], "big")
        last_user = ""
        last_index = -1
        for i, msg in enumerate(messages):
            if msg.get("role") == "user":
                last_user, last_index = message_text(msg), i
        job_text = "\n".join(message_text(m) for i, m in enumerate(messages) if i != last_index)
        job_words = word_set(job_text)
        schema = fmt["json_schema"].get("schema", {}) if fmt["type"] == "json_schema" else {}
        choices = []
        completion_tokens = 0
        reasoning = 0
        if is_reasoning_model(model):
            # Hidden reasoning: a marker in the resume sets how much, else the fake's default.
            m = REASONING_MARKER_RE.search(last_user)
            reasoning = int(m.group(1)) if m else self.state.opts.reasoning_tokens
        for index in range(n):
            rng = random.Random(base_seed + index)
            gen = Generator(schema, rng, last_user, job_words)
            if fault == "refusal":
                content, refusal, finish = None, REFUSAL_TEXT, "stop"
                completion_tokens += tokens_of(REFUSAL_TEXT)
                choices.append(self.choice(index, content, refusal, finish))
                continue
            if fmt["type"] == "json_schema" and fmt["json_schema"].get("name") == CRITERIA_SCHEMA_NAME:
                content = json.dumps(criteria_answer(last_user), ensure_ascii=False, separators=(",", ":"))
            elif fmt["type"] == "json_schema":
                try:
                    content = json.dumps(gen.generate(gen.root), ensure_ascii=False, separators=(",", ":"))
                except SchemaError as err:
                    msg = "Invalid schema for response_format '%s': %s." % (fmt["json_schema"].get("name"), err)
                    raise invalid(msg, "response_format")
            elif fmt["type"] == "json_object":
                score = int(round(100 * gen.fit))
                evidence = gen.quote()
                doc = {
                    "score": score,
                    "summary": gen.text("summary", 0, None),
                    "evidence": [evidence] if evidence else [],
                }
                content = json.dumps(doc, ensure_ascii=False)
            else:
                content = gen.text("text", 0, None)
                if gen.overlap:
                    content += " Overall match: %d%%." % int(round(100 * gen.fit))
            finish = "stop"
            if reasoning and max_out is not None and reasoning + tokens_of(content) > max_out:
                # The hidden reasoning took the budget: what is left of it holds part of the answer, or nothing.
                room = max(0, max_out - reasoning)
                content = content[: room * 4]
                while content and self.is_json(content):
                    content = content[:-1]
                finish = "length"
            elif fault == "length":
                cut = max(2, len(content) // 3)
                content = content[:cut]
                while len(content) > 2 and self.is_json(content):
                    content = content[:-1]
                finish = "length"
            elif max_out is not None and tokens_of(content) > max_out:
                content = content[: max_out * 4]
                finish = "length"
            completion_tokens += tokens_of(content) + (min(reasoning, max_out) if max_out is not None else reasoning)
            choices.append(self.choice(index, content, None, finish))
        return {
            "id": "chatcmpl-" + "".join(random.choice(string.ascii_letters + string.digits) for _ in range(29)),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": choices,
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
                "completion_tokens_details": {
                    "reasoning_tokens": reasoning,
                    "audio_tokens": 0,
                    "accepted_prediction_tokens": 0,
                    "rejected_prediction_tokens": 0,
                },
            },
            "service_tier": "default",
            "system_fingerprint": self.state.fingerprint,
        }

    @staticmethod
    def is_json(text):
        try:
            json.loads(text)
            return True
        except ValueError:
            return False

    @staticmethod
    def choice(index, content, refusal, finish):
        return {
            "index": index,
            "message": {"role": "assistant", "content": content, "refusal": refusal, "annotations": []},
            "logprobs": None,
            "finish_reason": finish,
        }

    def send_stream(self, completion, headers, stream_options):
        """Server-sent events, chunked, like the provider's stream=true answer."""
        events = []
        base = {k: completion[k] for k in ("id", "created", "model", "system_fingerprint")}
        base["object"] = "chat.completion.chunk"

        def chunk(index, delta, finish=None):
            return dict(base, choices=[{"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}])

        for ch in completion["choices"]:
            msg = ch["message"]
            events.append(chunk(ch["index"], {"role": "assistant", "content": "", "refusal": None}))
            text = msg["content"] or ""
            for i in range(0, len(text), 16):
                events.append(chunk(ch["index"], {"content": text[i : i + 16]}))
            if msg["refusal"]:
                events.append(chunk(ch["index"], {"refusal": msg["refusal"]}))
            events.append(chunk(ch["index"], {}, ch["finish_reason"]))
        if stream_options.get("include_usage"):
            events.append(dict(base, choices=[], usage=completion["usage"]))
        lines = [
            "HTTP/1.1 200 OK",
            "Date: %s" % self.date_time_string(),
            "Content-Type: text/event-stream; charset=utf-8",
            "Transfer-Encoding: chunked",
            "Connection: %s" % ("close" if self.close_connection else "keep-alive"),
            "x-request-id: req_%s" % uuid.uuid4().hex,
            "openai-version: 2020-10-01",
        ]
        for key, value in headers.items():
            lines.append("%s: %s" % (key, value))
        self.status = 200
        self.count_status("200")
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        payloads = ["data: %s\n\n" % json.dumps(e, ensure_ascii=False) for e in events] + ["data: [DONE]\n\n"]
        for p in payloads:
            data = p.encode("utf-8")
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024
    block_on_close = False


def main(argv=None):
    opts = build_parser().parse_args(argv)
    for name in ("fault_rate_500", "fault_rate_timeout", "fault_rate_malformed"):
        if not 0.0 <= getattr(opts, name) <= 1.0:
            sys.stderr.write("fake_openai: --%s must be within 0..1\n" % name.replace("_", "-"))
            return 2
    if opts.rpm < 0 or opts.tpm < 0 or opts.latency_median_ms < 0 or opts.latency_sigma < 0:
        sys.stderr.write("fake_openai: negative --rpm, --tpm or latency\n")
        return 2
    fake_openai_batch.bind(HttpError=HttpError, error_body=error_body, message_text=message_text, tokens_of=tokens_of)
    state = State(opts)
    Handler.state = state
    try:
        server = Server((opts.host, opts.port), Handler)
    except OSError as err:
        sys.stderr.write("fake_openai: cannot listen on %s:%d: %s\n" % (opts.host, opts.port, err))
        return 1
    port = server.server_address[1]
    if opts.pidfile:
        with open(opts.pidfile, "w") as f:
            f.write("%d\n" % os.getpid())

    def on_signal(signum, frame):
        state.stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    sys.stderr.write("fake_openai: listening on %s:%d\n" % (opts.host, port))
    sys.stderr.flush()
    while not state.stop.wait(0.2):
        pass
    server.shutdown()
    server.server_close()
    if opts.pidfile:
        try:
            os.unlink(opts.pidfile)
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
