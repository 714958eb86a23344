"""Start the service on uvicorn (``collectrules serve``)."""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import sys
import tempfile
from pathlib import Path

from .app import ServerConfig, create_app

_ENV = "COLLECTRULES_SERVE_CONFIG"

LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        "collectrules.server": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


def read_token(path: str | os.PathLike) -> str:
    """The bearer token: the file's first line, stripped (an empty file is an error)."""
    text = Path(path).read_text(encoding="utf-8").strip()
    token = text.splitlines()[0].strip() if text else ""
    if len(token) < 16:
        raise ValueError(f"{path}: the token must be at least 16 characters")
    return token


def is_loopback(host: str) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(rulesets: list[str] | None = None, *, host: str = "127.0.0.1", port: int = 8181,
          ledger_url: str | None = None, token_file: str | None = None, workers: int = 1,
          decision_log: bool = False, batch_max: int | None = None, max_body: int | None = None,
          watch: bool = True, access_log: bool = True) -> None:
    """Run the service until interrupted. The rulesets load before the port opens: a policy that
    does not load means no server (fail closed)."""
    if not is_loopback(host) and not token_file:
        bar = "!" * 78
        print(f"{bar}\nWARNING: collectrules serve is bound to {host}, not loopback, WITHOUT a token:\n"
              "anyone who can reach this port can query decisions. Use --token-file PATH.\n" + bar,
              file=sys.stderr, flush=True)
    import uvicorn

    log_config = json.loads(json.dumps(LOG_CONFIG))
    if not access_log:
        log_config["loggers"]["collectrules.server.access"] = {"handlers": [], "level": "WARNING",
                                                               "propagate": False}
    cfg = {"rulesets": list(rulesets) if rulesets else None, "ledger_url": ledger_url, "token_file": token_file,
           "decision_log": decision_log, "watch": watch}
    if batch_max:
        cfg["batch_max"] = batch_max
    if max_body:
        cfg["max_body"] = max_body
    if workers > 1:
        os.environ[_ENV] = json.dumps(cfg)
        if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="collectrules-metrics-")
        _app_from_env().state.service.close()  # load once here: a bad policy fails before any worker starts
        import inspect

        extra = {}
        if "timeout_worker_healthcheck" in inspect.signature(uvicorn.run).parameters:
            # a replacement worker loads and compiles every ruleset before it is ready; uvicorn's
            # 5 s default would abort a SIGHUP restart on a busy machine and leave the workers
            # on different policies
            extra["timeout_worker_healthcheck"] = 120
        uvicorn.run("collectrules.server.run:_app_from_env", factory=True, host=host, port=port, workers=workers,
                    log_config=log_config, access_log=False, server_header=False, **extra)
    else:
        app = create_app(_config(cfg))
        uvicorn.run(app, host=host, port=port, log_config=log_config, access_log=False, server_header=False)


def _config(cfg: dict) -> ServerConfig:
    token = read_token(cfg["token_file"]) if cfg.get("token_file") else None
    kw = {k: cfg[k] for k in ("batch_max", "max_body") if k in cfg}
    return ServerConfig(rulesets=cfg.get("rulesets"), ledger_url=cfg.get("ledger_url"), token=token,
                        decision_log=bool(cfg.get("decision_log")), watch=bool(cfg.get("watch", True)), **kw)


def _app_from_env():
    return create_app(_config(json.loads(os.environ[_ENV])))


logging.getLogger("collectrules.server").addHandler(logging.NullHandler())
