"""``collectrules serve``: the decision service for dialers in any language (extra ``[server]``).

    pip install 'collectrules[server]'
    collectrules serve --ruleset us-federal --ruleset us-ma --port 8181

Endpoints (JSON, RFC 9457 problems) are described in ``docs/server.md`` and in the OpenAPI 3.1
document served at ``/openapi.json`` (checked in as ``docs/openapi.json``). The service uses only
the library's public API.
"""

from __future__ import annotations

from .app import ServerConfig, create_app
from .run import serve

__all__ = ["ServerConfig", "create_app", "serve"]
