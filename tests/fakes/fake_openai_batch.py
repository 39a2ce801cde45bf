"""The Files and Batch APIs of the fake OpenAI provider: /v1/files and /v1/batches, as strict as the real ones.

A batch answers each line of its input file as /v1/chat/completions would, once its completion delay has
passed since its creation (--batch-delay-ms, or "delay_ms" at POST /_batch: the delay in force when the batch
is looked at). POST /_batch also queues what the next batches do:
{"next": [{"expire_after": K}]} answers K lines and then expires (the rest go to the error file with
batch_expired), {"next": [{"fail_every": N}]} fails every Nth line with a server error, {"next":
[{"invalid": true}]} fails the batch's validation. A line whose messages hold the word FAKE_BATCH_FAIL fails
in a batch (and only there). GET /_batch reports the batches and the counts.
"""

import email.parser
import email.policy
import json
import threading
import time
import uuid

BATCH_ENDPOINTS = ("/v1/chat/completions", "/v1/responses", "/v1/embeddings", "/v1/completions", "/v1/moderations")
FILE_PURPOSES = ("assistants", "batch", "fine-tune", "vision", "user_data", "evals")
BATCH_FAIL_MARKER = "FAKE_BATCH_FAIL"
MAX_BATCH_LINES = 50000
FINAL = ("completed", "failed", "expired", "cancelled")


# The fake's own helpers, given by bind() (this module is imported by the fake's script, never the other way).
HttpError = None
error_body = None
message_text = None
tokens_of = None


def bind(**helpers):
    globals().update(helpers)


def _error(message, etype="invalid_request_error", param=None, code=None):
    return {"error": {"message": message, "type": etype, "param": param, "code": code}}


class BatchStore:
    """Files and batches of one fake; guarded by its own lock."""

    def __init__(self, delay_ms):
        self.lock = threading.Lock()
        self.delay_ms = delay_ms
        self.reset()

    def reset(self):
        with self.lock:
            self.files = {}
            self.batches = {}
            self.order = []
            self.next_modes = []
            self.counts = {"files": 0, "batches": 0, "lines_answered": 0, "lines_failed": 0, "lines_expired": 0,
                           "cancels": 0}


class BatchMixin:
    """Routes of the Files and Batch APIs, mixed into the fake's request handler (self.state.batch is a BatchStore)."""

    def batch_route(self, method, path, body):
        """Handles the request when it is one of these routes; returns whether it was."""
        store = self.state.batch
        if method == "POST" and path == "/_batch":
            self.batch_control(store, body)
        elif method == "GET" and path == "/_batch":
            self.batch_report(store)
        elif method == "POST" and path == "/v1/files":
            self.authorize()
            self.file_upload(store, body)
        elif method == "GET" and path.startswith("/v1/files/") and path.endswith("/content"):
            self.authorize()
            self.file_content(store, path[len("/v1/files/"):-len("/content")])
        elif method == "GET" and path.startswith("/v1/files/"):
            self.authorize()
            f = self.file_of(store, path[len("/v1/files/"):])
            self.send_raw(200, f["meta"])
        elif method == "POST" and path == "/v1/batches":
            self.authorize()
            self.batch_create(store, body)
        elif method == "GET" and path == "/v1/batches":
            self.authorize()
            self.batch_list(store)
        elif method == "POST" and path.startswith("/v1/batches/") and path.endswith("/cancel"):
            self.authorize()
            self.batch_cancel(store, path[len("/v1/batches/"):-len("/cancel")])
        elif method == "GET" and path.startswith("/v1/batches/"):
            self.authorize()
            self.send_raw(200, self.batch_view(store, path[len("/v1/batches/"):]))
        else:
            return False
        return True

    # ---- control ----------------------------------------------------------

    def batch_control(self, store, body):

        try:
            req = json.loads(body or b"{}")
            if not isinstance(req, dict):
                raise ValueError("not an object")
        except ValueError:
            raise HttpError(400, error_body("body must be a JSON object", "invalid_request_error"))
        nxt = req.get("next", [])
        if not isinstance(nxt, list) or not all(isinstance(m, dict) for m in nxt):
            raise HttpError(400, error_body("next must be a list of objects", "invalid_request_error", "next"))
        with store.lock:
            if isinstance(req.get("delay_ms"), int) and req["delay_ms"] >= 0:
                store.delay_ms = req["delay_ms"]
            if req.get("clear"):
                store.next_modes = []
            store.next_modes.extend(nxt)
        self.batch_report(store)

    def batch_report(self, store):
        with store.lock:
            out = {
                "delay_ms": store.delay_ms,
                "next": list(store.next_modes),
                "counts": dict(store.counts),
                "batches": [self.public(store.batches[i]) for i in store.order],
            }
        self.send_raw(200, out)

    # ---- files ------------------------------------------------------------

    def file_upload(self, store, body):

        ctype = self.headers.get("Content-Type") or ""
        if not ctype.lower().startswith("multipart/form-data"):
            raise HttpError(400, _error("Invalid Content-Type header (%s), expected multipart/form-data." % ctype))
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + body
        )
        fields, upload, filename = {}, None, None
        for part in msg.iter_parts() if msg.is_multipart() else []:
            name = part.get_param("name", header="content-disposition")
            if part.get_filename() is not None:
                upload, filename = part.get_payload(decode=True) or b"", part.get_filename()
            elif name:
                fields[name] = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
        purpose = fields.get("purpose")
        if purpose is None:
            raise HttpError(400, _error("Missing required parameter: 'purpose'.", param="purpose",
                                        code="missing_required_parameter"))
        if purpose not in FILE_PURPOSES:
            raise HttpError(400, _error("Invalid value for 'purpose': '%s'." % purpose, param="purpose",
                                        code="invalid_value"))
        if upload is None:
            raise HttpError(400, _error("Missing required parameter: 'file'.", param="file",
                                        code="missing_required_parameter"))
        if purpose == "batch":
            if not filename.endswith(".jsonl"):
                raise HttpError(400, _error("Invalid file format for Batch API. Must be .jsonl", param="file"))
            if not upload.strip():
                raise HttpError(400, _error("The file is empty.", param="file"))
        fid = "file-" + uuid.uuid4().hex[:24]
        meta = {"id": fid, "object": "file", "bytes": len(upload), "created_at": int(time.time()),
                "filename": filename, "purpose": purpose, "status": "processed", "expires_at": None,
                "status_details": None}
        with store.lock:
            store.files[fid] = {"meta": meta, "data": upload}
            store.counts["files"] += 1
        self.send_raw(200, meta)

    def file_of(self, store, fid):

        with store.lock:
            f = store.files.get(fid)
        if f is None:
            raise HttpError(404, _error("No such File object: %s" % fid, param="id"))
        return f

    def file_content(self, store, fid):
        f = self.file_of(store, fid)
        self.send_raw(200, f["data"], content_type="application/octet-stream")

    def new_file(self, store, name, lines):
        """A result file made by a batch (purpose batch_output); None when it has no line."""
        if not lines:
            return None
        data = "".join(json.dumps(line) + "\n" for line in lines).encode()
        fid = "file-" + uuid.uuid4().hex[:24]
        meta = {"id": fid, "object": "file", "bytes": len(data), "created_at": int(time.time()),
                "filename": name, "purpose": "batch_output", "status": "processed", "expires_at": None,
                "status_details": None}
        store.files[fid] = {"meta": meta, "data": data}
        return fid

    # ---- batches ----------------------------------------------------------

    def batch_create(self, store, body):

        try:
            req = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise HttpError(400, _error("We could not parse the JSON body of your request."))
        if not isinstance(req, dict):
            raise HttpError(400, _error("Invalid type for request body: expected an object."))
        for param in ("input_file_id", "endpoint", "completion_window"):
            if param not in req:
                raise HttpError(400, _error("Missing required parameter: '%s'." % param, param=param,
                                            code="missing_required_parameter"))
        extra = sorted(set(req) - {"input_file_id", "endpoint", "completion_window", "metadata",
                                   "output_expires_after"})
        if extra:
            raise HttpError(400, _error("Unrecognized request argument supplied: %s" % extra[0], param=extra[0]))
        if req["endpoint"] not in BATCH_ENDPOINTS:
            raise HttpError(400, _error("Invalid value for 'endpoint': '%s'." % req["endpoint"], param="endpoint",
                                        code="invalid_value"))
        if req["completion_window"] != "24h":
            raise HttpError(400, _error("Invalid value for 'completion_window': '%s'. Supported values are: '24h'."
                                        % req["completion_window"], param="completion_window", code="invalid_value"))
        meta = req.get("metadata")
        if meta is not None:
            if not isinstance(meta, dict) or len(meta) > 16 or any(
                not isinstance(k, str) or len(k) > 64 or not isinstance(v, str) or len(v) > 512
                for k, v in meta.items()
            ):
                raise HttpError(400, _error("Invalid 'metadata': at most 16 string pairs (keys up to 64 and values "
                                            "up to 512 characters).", param="metadata"))
        f = self.file_of(store, req["input_file_id"]) if isinstance(req["input_file_id"], str) else None
        if f is None or f["meta"]["purpose"] != "batch":
            raise HttpError(400, _error("The file %s was not uploaded with purpose 'batch'." % req["input_file_id"],
                                        param="input_file_id"))
        now = int(time.time())
        bid = "batch_" + uuid.uuid4().hex[:24]
        with store.lock:
            mode = store.next_modes.pop(0) if store.next_modes else {}
            b = {
                "id": bid, "object": "batch", "endpoint": req["endpoint"], "errors": None,
                "input_file_id": req["input_file_id"], "completion_window": "24h", "status": "validating",
                "output_file_id": None, "error_file_id": None, "created_at": now, "in_progress_at": None,
                "expires_at": now + 86400, "finalizing_at": None, "completed_at": None, "failed_at": None,
                "expired_at": None, "cancelling_at": None, "cancelled_at": None,
                "request_counts": {"total": 0, "completed": 0, "failed": 0}, "metadata": meta,
                "_mode": mode, "_t0": time.monotonic(),
            }
            store.batches[bid] = b
            store.order.append(bid)
            store.counts["batches"] += 1
            self.validate(store, b, f["data"])
            out = self.public(b)
        self.send_raw(200, out)

    def validate(self, store, b, data):
        """Checks the input file the way the provider does before it starts; a bad one fails the batch."""
        errors, lines, seen = [], [], set()
        if b["_mode"].get("invalid"):
            errors.append({"code": "invalid_request", "message": "The batch failed validation.", "param": None,
                           "line": 1})
        for n, raw in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            if not raw.strip():
                continue
            try:
                line = json.loads(raw)
            except ValueError:
                errors.append({"code": "invalid_json_line", "message": "Line %d is not valid JSON." % n,
                               "param": None, "line": n})
                continue
            cid = line.get("custom_id") if isinstance(line, dict) else None
            if not isinstance(cid, str) or not cid:
                errors.append({"code": "missing_required_parameter", "message": "Missing custom_id.",
                               "param": "custom_id", "line": n})
            elif cid in seen:
                errors.append({"code": "duplicate_custom_id", "message": "The custom_id '%s' is not unique." % cid,
                               "param": "custom_id", "line": n})
            elif line.get("method") != "POST":
                errors.append({"code": "invalid_value", "message": "The method must be POST.", "param": "method",
                               "line": n})
            elif line.get("url") != b["endpoint"]:
                errors.append({"code": "mismatched_endpoint", "message": "The url '%s' does not match the batch's "
                               "endpoint %s." % (line.get("url"), b["endpoint"]), "param": "url", "line": n})
            elif not isinstance(line.get("body"), dict):
                errors.append({"code": "invalid_value", "message": "The body must be an object.", "param": "body",
                               "line": n})
            else:
                seen.add(cid)
                lines.append(line)
        if len(lines) > MAX_BATCH_LINES:
            errors.append({"code": "too_many_requests", "message": "A batch takes at most %d requests."
                           % MAX_BATCH_LINES, "param": None, "line": None})
        if errors:
            b["status"], b["failed_at"] = "failed", int(time.time())
            b["errors"] = {"object": "list", "data": errors[:100]}
            return
        b["_lines"] = lines
        b["status"], b["in_progress_at"] = "in_progress", int(time.time())
        b["request_counts"]["total"] = len(lines)

    def batch_view(self, store, bid):

        with store.lock:
            b = store.batches.get(bid)
            if b is None:
                raise HttpError(404, _error("No batch found with id '%s'." % bid, param="batch_id"))
            if b["status"] == "cancelling" or (
                b["status"] == "in_progress" and time.monotonic() >= b["_t0"] + store.delay_ms / 1000.0
            ):
                self.run_batch(store, b)
            return self.public(b)

    def run_batch(self, store, b):
        """Answers the lines (as the chat route would), then ends the batch: completed, expired or cancelled."""

        mode = b["_mode"]
        expire_after = mode.get("expire_after")
        fail_every = mode.get("fail_every") or 0
        cancelled = b["status"] == "cancelling"
        out, err = [], []
        for n, line in enumerate(b.get("_lines", []), 1):
            cid = line["custom_id"]
            rid = "batch_req_" + uuid.uuid4().hex[:24]
            if cancelled or (expire_after is not None and n > expire_after):
                if not cancelled:
                    err.append({"id": rid, "custom_id": cid, "response": None,
                                "error": {"code": "batch_expired",
                                          "message": "This request could not be executed before the completion "
                                          "window expired."}})
                    store.counts["lines_expired"] += 1
                continue
            body = json.dumps(line["body"]).encode()
            if (fail_every and n % fail_every == 0) or BATCH_FAIL_MARKER in body.decode("utf-8", "replace"):
                err.append({"id": rid, "custom_id": cid,
                            "response": {"status_code": 500, "request_id": rid,
                                         "body": _error("The server had an error processing your request.",
                                                        "server_error")},
                            "error": None})
                b["request_counts"]["failed"] += 1
                store.counts["lines_failed"] += 1
                continue
            try:
                req = self.parse_request_body(body)
                messages = req["messages"]
                prompt = "\n".join("%s: %s" % (m.get("role"), message_text(m)) for m in messages)
                max_out = req.get("max_completion_tokens", req.get("max_tokens"))
                completion = self.build_completion(req, req["model"], messages, tokens_of(prompt), 0, max_out, None)
                out.append({"id": rid, "custom_id": cid,
                            "response": {"status_code": 200, "request_id": rid, "body": completion}, "error": None})
                b["request_counts"]["completed"] += 1
                store.counts["lines_answered"] += 1
            except HttpError as e:
                err.append({"id": rid, "custom_id": cid,
                            "response": {"status_code": e.status, "request_id": rid, "body": e.body}, "error": None})
                b["request_counts"]["failed"] += 1
                store.counts["lines_failed"] += 1
        now = int(time.time())
        b["output_file_id"] = self.new_file(store, "batch_%s_output.jsonl" % b["id"], out)
        b["error_file_id"] = self.new_file(store, "batch_%s_error.jsonl" % b["id"], err)
        if cancelled:
            b["status"], b["cancelled_at"] = "cancelled", now
        elif expire_after is not None and expire_after < len(b.get("_lines", [])):
            b["status"], b["expired_at"] = "expired", now
        else:
            b["status"], b["finalizing_at"], b["completed_at"] = "completed", now, now

    def batch_list(self, store):

        query = self.path.split("?", 1)[1] if "?" in self.path else ""
        params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        try:
            limit = int(params.get("limit", "20"))
        except ValueError:
            limit = 0
        if not 1 <= limit <= 100:
            raise HttpError(400, _error("Invalid 'limit': expected an integer from 1 to 100.", param="limit"))
        with store.lock:
            ids = list(reversed(store.order))
            if "after" in params:
                if params["after"] not in store.batches:
                    raise HttpError(404, _error("No batch found with id '%s'." % params["after"], param="after"))
                ids = ids[ids.index(params["after"]) + 1:]
            page = [self.public(store.batches[i]) for i in ids[:limit]]
        self.send_raw(200, {"object": "list", "data": page, "first_id": page[0]["id"] if page else None,
                            "last_id": page[-1]["id"] if page else None, "has_more": len(ids) > limit})

    def batch_cancel(self, store, bid):

        with store.lock:
            b = store.batches.get(bid)
            if b is None:
                raise HttpError(404, _error("No batch found with id '%s'." % bid, param="batch_id"))
            if b["status"] in FINAL or b["status"] == "cancelling":
                raise HttpError(409, _error("Cannot cancel a batch with status '%s'." % b["status"]))
            b["status"], b["cancelling_at"] = "cancelling", int(time.time())
            store.counts["cancels"] += 1
            out = self.public(b)
        self.send_raw(200, out)

    @staticmethod
    def public(b):
        return {k: v for k, v in b.items() if not k.startswith("_")}
