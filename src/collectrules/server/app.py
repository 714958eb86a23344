"""The ASGI application behind ``collectrules serve``: FastAPI routes on the public API.

Every error is an RFC 9457 problem (``application/problem+json``); invalid input is a 422 that
names each field by path and never echoes what was sent; a body over the limit is a 413; a body
that is not JSON is a 400. The access log shows method, route template, status and latency, never
bodies, query strings or path values (an account id in ``/v1/accounts/{id}/history`` is not
logged).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as _dt
import hmac
import json
import logging
import re
import signal
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import InputError, redact
from . import schemas as S
from .metrics import CONTENT_TYPE, Metrics
from .state import PolicyHolder, Snapshot

log = logging.getLogger("collectrules.server")
access_log = logging.getLogger("collectrules.server.access")

PROBLEM = "application/problem+json"
_EXEMPT = frozenset({"/healthz", "/readyz"})
_SAFE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,40}$")


@dataclass
class ServerConfig:
    """How the service runs (``collectrules serve`` options)."""

    rulesets: list[str] | None = None
    ledger_url: str | None = None
    token: str | None = None
    decision_log: bool = False
    batch_max: int = S.DEFAULT_BATCH_MAX
    max_body: int = S.DEFAULT_MAX_BODY
    watch: bool = True
    watch_debounce_ms: int = 300
    extra: dict = field(default_factory=dict)


class Problem(Exception):
    """An HTTP error answered as RFC 9457 problem details."""

    def __init__(self, status: int, title: str, detail: str | None = None, errors: list[dict] | None = None,
                 type_: str = "about:blank", headers: dict | None = None):
        super().__init__(title)
        self.status, self.title, self.detail, self.errors, self.type, self.headers = (
            status, title, detail, errors, type_, headers)

    def body(self) -> dict:
        d: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail is not None:
            d["detail"] = self.detail
        if self.errors is not None:
            d["errors"] = self.errors
        return d

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, media_type=PROBLEM, headers=self.headers)


def _loc(parts) -> str:
    out = []
    for p in parts:
        if isinstance(p, int):
            out.append(str(p))
        elif isinstance(p, str) and _SAFE_KEY.match(p):
            out.append(p)
        else:
            out.append("<key>")  # a key the caller chose may itself be personal data
    return ".".join(out)


def _validation_problem(exc: ValidationError, prefix: tuple = ()) -> Problem:
    errs = exc.errors(include_input=False, include_url=False, include_context=False)
    if any(e["type"] == "json_invalid" for e in errs):
        return Problem(400, "Malformed JSON", "the request body is not valid JSON",
                       type_="urn:collectrules:problem:malformed-json")
    out = [{"loc": _loc(prefix + tuple(e["loc"])), "msg": redact(str(e["msg"]))[:300]} for e in errs[:20]]
    return Problem(422, "Invalid request", f"{len(errs)} invalid field(s)", out,
                   type_="urn:collectrules:problem:invalid-request")


def _input_problem(exc: InputError) -> Problem:
    return Problem(422, "Invalid request", redact(str(exc))[:1000],
                   type_="urn:collectrules:problem:invalid-request")


class Service:
    """The state one server process holds: the policy holder, metrics, ledger and config."""

    def __init__(self, config: ServerConfig):
        if config.decision_log and not config.ledger_url:
            raise ValueError("--decision-log needs --ledger URL (the decision log lives in the ledger)")
        self.config = config
        self.metrics = Metrics()
        self.holder = PolicyHolder(config.rulesets, on_reload=self._reloaded)
        self.metrics.set_policy(self.holder.current.fingerprint)
        self.ledger = None
        if config.ledger_url:
            from .. import open_ledger  # the ledger layer (issue #14)

            self.ledger = open_ledger(config.ledger_url)

    async def decide(self, snap: Snapshot, req) -> Any:
        """``Policy.check``; with a ledger, ``Ledger.check`` (the ledger's history of the account
        counted, and a decision-log row with ``--decision-log``; the account id is then
        required)."""
        if self.ledger is not None and (self.config.decision_log or req.account.account_id):
            return await run_in_threadpool(_ledger_call, self.ledger.check, snap.policy, req.attempt,
                                           account=req.account, history=req.history, log=self.config.decision_log)
        return snap.policy.check(req.attempt, account=req.account, history=req.history)

    def _reloaded(self, result: str) -> None:
        self.metrics.reloads.labels(result=result).inc()
        if result == "ok":
            self.metrics.set_policy(self.holder.current.fingerprint)

    def close(self) -> None:
        if self.ledger is not None:
            try:
                self.ledger.close()
            except Exception:  # noqa: BLE001
                pass


async def _read_body(request: Request, limit: int) -> bytes:
    cl = request.headers.get("content-length")
    if cl is not None:
        try:
            n = int(cl)
        except ValueError:
            raise Problem(400, "Bad Content-Length") from None
        if n > limit:
            raise Problem(413, "Request body too large", f"the limit is {limit} bytes",
                          type_="urn:collectrules:problem:too-large")
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem(413, "Request body too large", f"the limit is {limit} bytes",
                          type_="urn:collectrules:problem:too-large")
        chunks.append(chunk)
    return b"".join(chunks)


def _strict(model: type[BaseModel], raw: bytes | str, prefix: tuple = ()) -> Any:
    try:
        return model.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        raise _validation_problem(exc, prefix) from None
    except (TypeError, AttributeError, RecursionError):
        # a validator that met a value of an unexpected JSON type (e.g. "timezones": false)
        raise Problem(422, "Invalid request", "a field has a value of the wrong JSON type",
                      [{"loc": _loc(prefix) or "<body>", "msg": "wrong JSON type"}],
                      type_="urn:collectrules:problem:invalid-request") from None


_INSTANT = None
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _instant(value: str | None, where: str):
    """A query-string instant, strictly: ISO 8601 with an offset (never a number)."""
    global _INSTANT
    if value is None:
        return None
    if _INSTANT is None:
        from pydantic import TypeAdapter

        from ..models import Instant

        _INSTANT = TypeAdapter(Instant)
    if not _ISO.match(value):
        raise Problem(422, "Invalid request", "1 invalid field(s)",
                      [{"loc": f"query.{where}", "msg": "Input should be an ISO 8601 instant with an offset"}],
                      type_="urn:collectrules:problem:invalid-request")
    try:
        return _INSTANT.validate_json(json.dumps(value), strict=True)
    except ValidationError as exc:
        raise _validation_problem(exc, ("query", where)) from None


def _decision_dict(decision, snap: Snapshot, explain: bool) -> dict:
    if not explain and getattr(decision, "raw_trace", None):
        # the trace is formatted lazily by to_dict(); without explain it is not wanted at all
        decision = dataclasses.replace(decision, raw_trace=())
    d = decision.to_dict()
    if not explain:
        d.pop("trace", None)
    d["policy_fingerprint"] = snap.fingerprint
    return d


def _body_of(name: str) -> dict:
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}}


def create_app(config: ServerConfig | None = None, service: Service | None = None) -> FastAPI:
    """Build the application. Loads the rulesets at once: a policy that does not load raises
    :class:`~collectrules.RulesetError` and no server starts (fail closed)."""
    from .openapi import build_openapi, responses_for

    config = config or ServerConfig()
    svc = service or Service(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        loop = asyncio.get_running_loop()
        tasks = []

        def on_hup() -> None:
            log.info("SIGHUP: reloading rulesets")
            loop.run_in_executor(None, svc.holder.reload)

        hup = False
        try:
            loop.add_signal_handler(signal.SIGHUP, on_hup)
            hup = True
        except (NotImplementedError, RuntimeError, ValueError):
            pass
        roots, relevant = svc.holder.watch_roots() if config.watch else ([], None)
        stop = asyncio.Event()
        if roots:
            tasks.append(asyncio.create_task(_watch(roots, relevant, svc.holder, stop, config.watch_debounce_ms)))
        try:
            yield
        finally:
            stop.set()
            for t in tasks:
                t.cancel()
            if hup:
                loop.remove_signal_handler(signal.SIGHUP)
            svc.close()

    app = FastAPI(title="collectrules decision service", version=_version(),
                  description="Debt-collection contact decisions for dialers in any language.",
                  openapi_url=None, docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.service = svc
    limit = config.max_body

    # -- errors ------------------------------------------------------------------------------

    @app.exception_handler(Problem)
    async def _problem(_req: Request, exc: Problem):
        return exc.response()

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException):
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
        return Problem(exc.status_code, title, headers=getattr(exc, "headers", None)).response()

    @app.exception_handler(RequestValidationError)
    async def _rve(_req: Request, exc: RequestValidationError):
        errs = [{"loc": _loc(e.get("loc", ())), "msg": redact(str(e.get("msg", "")))[:300]} for e in exc.errors()[:20]]
        return Problem(422, "Invalid request", f"{len(errs)} invalid field(s)", errs,
                       type_="urn:collectrules:problem:invalid-request").response()

    @app.exception_handler(InputError)
    async def _inp(_req: Request, exc: InputError):
        return _input_problem(exc).response()

    @app.exception_handler(Exception)
    async def _any(_req: Request, exc: Exception):
        log.error("internal error: %s", type(exc).__name__)  # never the message: it may carry input
        return Problem(500, "Internal error", "the request could not be decided; nothing was allowed").response()

    # -- decisions ---------------------------------------------------------------------------

    @app.post("/v1/check", openapi_extra=_body_of("CheckRequest"), responses=responses_for("DecisionOut", unready=True),
              summary="Decide one contact attempt")
    async def check(request: Request, explain: bool = False):
        """Decide one attempt (``Policy.check``): the ``Decision.to_dict()`` plus the fingerprint
        of the policy that decided. ``explain=true`` adds the trace of every rule considered."""
        req = _strict(S.CheckRequest, await _read_body(request, limit))
        snap = svc.holder.current
        t0 = time.perf_counter()
        try:
            d = await svc.decide(snap, req)
        except InputError as exc:
            svc.metrics.invalid("check")
            raise _input_problem(exc) from None
        svc.metrics.decision("check", d, time.perf_counter() - t0)
        return JSONResponse(_decision_dict(d, snap, explain))

    @app.post("/v1/check:batch", openapi_extra=_body_of("BatchRequest"), responses=responses_for("BatchOut", unready=True),
              summary="Decide many contact attempts")
    async def check_batch(request: Request, explain: bool = False):
        """Decide up to the configured number of requests, results in order; an invalid item
        gets an ``error`` problem and never fails the others."""
        body = _strict(S.BatchRequest, await _read_body(request, limit))
        if len(body.requests) > config.batch_max:
            raise Problem(422, "Invalid request", f"at most {config.batch_max} requests per batch",
                          [{"loc": "requests", "msg": f"List should have at most {config.batch_max} items"}])
        snap = svc.holder.current
        results = []
        for i, item in enumerate(body.requests):
            try:
                req = _strict(S.CheckRequest, json.dumps(item), ("requests", i))
                t0 = time.perf_counter()
                d = await svc.decide(snap, req)
                svc.metrics.decision("batch", d, time.perf_counter() - t0)
                results.append({"index": i, "decision": _decision_dict(d, snap, explain)})
            except Problem as p:
                svc.metrics.invalid("batch")
                results.append({"index": i, "error": p.body()})
            except InputError as exc:
                svc.metrics.invalid("batch")
                results.append({"index": i, "error": _input_problem(exc).body()})
            except (RecursionError, ValueError, TypeError):
                svc.metrics.invalid("batch")
                results.append({"index": i, "error": Problem(422, "Invalid request", "unreadable request").body()})
        return JSONResponse({"results": results, "policy_fingerprint": snap.fingerprint})

    @app.post("/v1/next-allowed", openapi_extra=_body_of("CheckRequest"), responses=responses_for("NextAllowedOut"),
              summary="The earliest instant the attempt would be allowed")
    async def next_allowed(request: Request):
        """``Policy.next_allowed``: the attempt's own instant when allowed now, ``null`` when waiting
        cannot help or nothing opens within the search horizon. With a ledger and an account id,
        the ledger's contacts of the account count too."""
        req = _strict(S.CheckRequest, await _read_body(request, limit))
        snap = svc.holder.current
        history = req.history
        if svc.ledger is not None and req.account.account_id:
            history = await run_in_threadpool(_with_ledger_history, svc.ledger, req.account.account_id, history)
        t = snap.policy.next_allowed(req.attempt, account=req.account, history=history)
        return JSONResponse({"allowed_now": t is not None and t == req.attempt.at,
                             "next_allowed_at": t.isoformat() if t is not None else None,
                             "policy_fingerprint": snap.fingerprint})

    @app.post("/v1/messages:check", openapi_extra=_body_of("MessageCheckRequest"),
              responses=responses_for("MessageReportOut"), summary="Check a message or template")
    async def messages_check(request: Request):
        """``Policy.check_message``: findings with rule ids, spans and citations."""
        req = _strict(S.MessageCheckRequest, await _read_body(request, limit))
        snap = svc.holder.current
        kw = req.model_dump(exclude_unset=True, exclude={"text", "account"})
        kw = {k: v for k, v in kw.items() if v is not None}
        rep = snap.policy.check_message(req.text, account=req.account, **kw)
        return JSONResponse({**rep.to_dict(), "policy_fingerprint": snap.fingerprint})

    @app.post("/v1/transcripts:check", openapi_extra=_body_of("TranscriptCheckRequest"),
              responses=responses_for("MessageReportOut"), summary="Check a call transcript")
    async def transcripts_check(request: Request):
        """``Policy.check_transcript``: required disclosures said in time, prohibited wording."""
        req = _strict(S.TranscriptCheckRequest, await _read_body(request, limit))
        snap = svc.holder.current
        kw = req.model_dump(exclude_unset=True, exclude={"turns", "account"})
        kw = {k: v for k, v in kw.items() if v is not None}
        rep = snap.policy.check_transcript(list(req.turns), account=req.account, **kw)
        return JSONResponse({**rep.to_dict(), "policy_fingerprint": snap.fingerprint})

    # -- ledger ------------------------------------------------------------------------------

    def need_ledger():
        if svc.ledger is None:
            raise Problem(404, "No ledger configured", "start the service with --ledger URL",
                          type_="urn:collectrules:problem:no-ledger")
        return svc.ledger

    @app.post("/v1/reservations", openapi_extra=_body_of("ReservationRequest"),
              responses=responses_for("ReservationOut", ledger=True), summary="Check and reserve an attempt")
    async def reserve(request: Request):
        """``Ledger.reserve``: check the attempt against the ledger's history of the account plus
        pending reservations, and hold the slot when allowed. ``Idempotency-Key`` makes a retry
        return the same reservation."""
        ledger = need_ledger()
        req = _strict(S.ReservationRequest, await _read_body(request, limit))
        key = request.headers.get("idempotency-key")
        if key is not None and not (1 <= len(key) <= 200):
            raise Problem(422, "Invalid request", "Idempotency-Key must be 1-200 characters",
                          [{"loc": "header.Idempotency-Key", "msg": "1-200 characters"}])
        snap = svc.holder.current
        res = await run_in_threadpool(_reserve, ledger, snap, req, key)
        svc.metrics.decision("reservations", res.decision)
        return JSONResponse({"allowed": bool(res.allowed), "reservation_id": res.reservation_id,
                             "expires_at": res.expires_at.isoformat() if res.expires_at else None,
                             "replayed": bool(getattr(res, "replayed", False)),
                             "decision": _decision_dict(res.decision, snap, False)})

    @app.post("/v1/reservations/{reservation_id}:complete", openapi_extra=_body_of("CompleteRequest"),
              responses=responses_for("ReservationStateOut", ledger=True, not_found=True),
              summary="Record that the reserved contact happened")
    async def complete(reservation_id: str, request: Request):
        ledger = need_ledger()
        req = _strict(S.CompleteRequest, await _read_body(request, limit))
        await run_in_threadpool(_ledger_call, ledger.complete, reservation_id, outcome=req.outcome, at=req.at)
        return JSONResponse({"reservation_id": reservation_id, "status": "completed"})

    @app.post("/v1/reservations/{reservation_id}:cancel",
              responses=responses_for("ReservationStateOut", ledger=True, not_found=True),
              summary="The reserved contact did not happen")
    async def cancel(reservation_id: str):
        ledger = need_ledger()
        await run_in_threadpool(_ledger_call, ledger.cancel, reservation_id)
        return JSONResponse({"reservation_id": reservation_id, "status": "cancelled"})

    @app.get("/v1/accounts/{account_id}/history", responses=responses_for("HistoryOut", ledger=True),
             summary="The ledger's contacts of an account, oldest first")
    async def account_history(account_id: str, since: str = Query(  # noqa: B008
            None, json_schema_extra={"format": "date-time"},
            description="Only contacts at or after this instant (ISO 8601 with an offset).")):
        since_at = _instant(since, "since")
        ledger = need_ledger()
        since = since_at
        contacts = await run_in_threadpool(_ledger_call, ledger.history, account_id, since=since)
        return JSONResponse({"account_id": account_id,
                             "contacts": [c.model_dump(mode="json") if hasattr(c, "model_dump") else dict(c)
                                          for c in contacts]})

    # -- introspection -----------------------------------------------------------------------

    @app.get("/v1/rulesets", responses=responses_for("RulesetsOut", body=False),
             summary="The rulesets in force and the policy fingerprint")
    async def rulesets():
        snap = svc.holder.current
        return JSONResponse({"fingerprint": snap.fingerprint, "loaded_at": snap.loaded_at.isoformat(),
                             "reloads": svc.holder.reloads, "reload_failures": svc.holder.failures,
                             "rulesets": list(snap.rulesets)})

    @app.get("/healthz", responses=responses_for("HealthOut", body=False, auth=False), summary="Liveness")
    async def healthz():
        return JSONResponse({"status": "ok"})

    @app.get("/readyz", responses=responses_for("HealthOut", body=False, auth=False, unready=True),
             summary="Readiness: a policy is active (and the ledger reachable)")
    async def readyz():
        snap = svc.holder.current
        if snap is None:
            raise Problem(503, "Not ready", "no policy is active")
        if svc.ledger is not None:  # reachable: one read (LedgerError -> 503)
            await run_in_threadpool(_ledger_call, svc.ledger.history, "readyz-probe")
        return JSONResponse({"status": "ready", "fingerprint": snap.fingerprint,
                             "ledger": "reachable" if svc.ledger is not None else None})

    @app.get("/metrics", responses={200: {"description": "Prometheus text format",
                                          "content": {"text/plain": {"schema": {"type": "string"}}}},
                                    **{k: v for k, v in responses_for(None, body=False).items() if k != 200}},
             summary="Prometheus metrics")
    async def metrics():
        return Response(svc.metrics.render(), media_type=CONTENT_TYPE)

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi_json():
        return JSONResponse(app.openapi())

    app.openapi = lambda: build_openapi(app)  # type: ignore[method-assign]
    return _Middleware(app, svc, token=config.token)


def _version() -> str:
    from .. import __version__

    return __version__


def _reserve(ledger, snap: Snapshot, req, key):
    return _ledger_call(ledger.reserve, snap.policy, req.attempt, account=req.account, history=req.history,
                        hold=_dt.timedelta(seconds=req.hold_seconds), idempotency_key=key)


def _ledger_call(fn, *args, **kw):
    """Call the ledger; its errors become problems (InputError stays a 422)."""
    from .. import LedgerError
    from ..ledger import IdempotencyConflict

    try:
        return fn(*args, **kw)
    except IdempotencyConflict as exc:
        raise Problem(409, "Idempotency key reused", redact(str(exc))[:300],
                      type_="urn:collectrules:problem:idempotency-conflict") from None
    except InputError:
        raise
    except LedgerError as exc:
        raise _ledger_problem(exc) from None


def _with_ledger_history(ledger, account_id: str, extra) -> list:
    """The ledger's counted contacts of the account (pending reservations included), then the
    caller's contacts not already among them."""
    out = list(_ledger_call(ledger.history, account_id))
    seen = {c.model_dump_json() for c in out}
    for c in extra:
        j = c.model_dump_json()
        if j not in seen:
            seen.add(j)
            out.append(c)
    return out


def _ledger_problem(exc: Exception) -> Problem:
    msg = redact(str(exc))[:300]
    low = msg.lower()
    if "no such reservation" in low:
        return Problem(404, "No such reservation", msg, type_="urn:collectrules:problem:no-reservation")
    if "not pending" in low or "already" in low or "expired" in low:
        return Problem(409, "Reservation not pending", msg, type_="urn:collectrules:problem:not-pending")
    log.error("ledger unavailable: %s", type(exc).__name__)
    return Problem(503, "Ledger unavailable", msg + "; nothing was reserved",
                   type_="urn:collectrules:problem:ledger-unavailable")


async def _watch(paths, relevant, holder: PolicyHolder, stop: asyncio.Event, debounce_ms: int) -> None:
    """Reload after ruleset files change (debounced and coalesced; the whole tree, new
    directories included)."""
    try:
        from watchfiles import awatch
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        log.warning("watchfiles is not installed: reload on SIGHUP only")
        return
    loop = asyncio.get_running_loop()
    try:
        async for _changes in awatch(*paths, stop_event=stop, debounce=debounce_ms, step=50,
                                     watch_filter=lambda _c, p: relevant(p)):
            log.info("ruleset files changed: reloading")
            await loop.run_in_executor(None, holder.reload)
    except asyncio.CancelledError:
        pass
    except Exception as exc:  # noqa: BLE001
        log.error("file watching stopped (%s): reload on SIGHUP only", type(exc).__name__)


class _Middleware:
    """Bearer-token check (constant-time), access log (route template, status, latency; never
    bodies or path values) and the latency histogram, as one plain ASGI layer."""

    def __init__(self, app: FastAPI, svc: Service, token: str | None):
        self.app = app
        self.svc = svc
        self._token = token.encode() if token else None
        self.state = app.state

    def __getattr__(self, name):  # openapi(), routes ... for tests and tools
        return getattr(self.app, name)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        t0 = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        path = scope.get("path", "")
        if self._token is not None and path not in _EXEMPT and not self._authorised(scope):
            resp = Problem(401, "Unauthorized", "send Authorization: Bearer <token>",
                           type_="urn:collectrules:problem:unauthorized",
                           headers={"WWW-Authenticate": 'Bearer realm="collectrules"'}).response()
            await resp(scope, receive, send_wrapper)
            route = "<unauthorized>"
        else:
            started = {"v": False}

            async def send_tracked(message):
                if message["type"] == "http.response.start":
                    started["v"] = True
                await send_wrapper(message)

            try:
                await self.app(scope, receive, send_tracked)
            except Exception as exc:  # noqa: BLE001 - never a traceback (it may carry input) to the log
                log.error("internal error: %s", type(exc).__name__)
                if not started["v"]:
                    resp = Problem(500, "Internal error", "the request could not be decided; nothing was allowed")
                    await resp.response()(scope, receive, send_wrapper)
            r = scope.get("route")
            route = getattr(r, "path", None) or "<unmatched>"
        dt = time.perf_counter() - t0
        self.svc.metrics.latency.labels(route=route).observe(dt)
        access_log.info("%s %s %d %.3fms", scope.get("method", "-"), route, status["code"], dt * 1000)

    def _authorised(self, scope) -> bool:
        for k, v in scope.get("headers", ()):
            if k == b"authorization":
                scheme, _, given = v.partition(b" ")
                if scheme.lower() != b"bearer":
                    return False
                return hmac.compare_digest(given.strip(), self._token)
        return False
