"""``collectrules ledger init|import|history|verify URL``: the ledger's command-line face.

Exit codes: 0 done; 1 ``verify`` found the chain broken or ``import`` rejected lines (the good
ones are recorded); 2 usage errors, an unreadable file, or a database that cannot be used.
"""

from __future__ import annotations

import csv
import itertools
import json
import sys
from pathlib import Path
from typing import Any, Iterator

import click

from ..errors import InputError, LedgerError
from ..models import Contact
from .core import _coerce

#: Contact fields whose CSV cells hold lists (``D1;D2`` or a JSON list).
_LIST_FIELDS = {"debt_ids"}
_BATCH = 500


def _fail(msg: str) -> None:
    click.echo(f"error: {msg}", err=True)
    sys.exit(2)


def _open(url: str, **kw: Any):
    from . import open_ledger

    try:
        return open_ledger(url, **kw)
    except (InputError, LedgerError) as exc:
        _fail(str(exc))


@click.group("ledger")
def ledger() -> None:
    """The contact ledger (SQLite or PostgreSQL URL): init, import, history, verify."""


@ledger.command("init")
@click.argument("url")
def init_cmd(url: str) -> None:
    """Create or upgrade the ledger schema at URL (idempotent; versioned migrations)."""
    from . import init_ledger

    try:
        version = init_ledger(url)
    except (InputError, LedgerError) as exc:
        _fail(str(exc))
    click.echo(f"ok: ledger schema version {version}")


def _cell_values(row: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if k is None or v is None:
            continue
        k = k.strip()
        v = v.strip()
        if v == "":
            continue
        if k in _LIST_FIELDS:
            if v.startswith("["):
                try:
                    out[k] = json.loads(v)
                except ValueError:
                    out[k] = v
            else:
                out[k] = [x.strip() for x in v.replace(",", ";").split(";") if x.strip()]
        else:
            out[k] = v
    return out


def _raw_lines(path: str) -> Iterator[bytes]:
    """The physical lines of the file (split on ``\\n`` only, as an editor counts them), streamed."""
    if path == "-":
        yield from sys.stdin.buffer
        return
    p = Path(path)
    if not p.is_file():
        _fail(f"no such file: {path}")
    with p.open("rb") as f:
        yield from f


def _records(path: str, fmt: str) -> Iterator[tuple[int, int, dict | str]]:
    """(line number, bytes consumed, record dict or error text) per record, streamed; line
    numbers count every physical line, blank ones included; a line that is not UTF-8 is an
    error of its own record only."""
    raw = _raw_lines(path)
    peeked: list[bytes] = []
    if fmt == "auto":
        for b in raw:
            peeked.append(b)
            if b.strip():
                break
        first = peeked[-1].lstrip(b"\xef\xbb\xbf \t") if peeked else b""
        fmt = "jsonl" if first.startswith(b"{") else "csv"
    lines = itertools.chain(peeked, raw)
    bad: set[int] = set()
    consumed = [0]

    def decoded() -> Iterator[str]:
        for n, b in enumerate(lines, 1):
            consumed[0] += len(b)
            if n == 1 and b.startswith(b"\xef\xbb\xbf"):
                b = b[3:]
            try:
                yield b.decode("utf-8")
            except UnicodeDecodeError:
                bad.add(n)
                yield b.decode("utf-8", errors="replace")

    if fmt == "jsonl":
        for n, line in enumerate(decoded(), 1):
            size, consumed[0] = consumed[0], 0
            if n in bad:
                yield n, size, "not UTF-8 text"
                continue
            if not line.strip():
                yield n, size, ""
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield n, size, f"not JSON ({exc.msg} at column {exc.colno})"
                continue
            except RecursionError:
                yield n, size, "nested too deeply"
                continue
            yield n, size, obj if isinstance(obj, dict) else "not a JSON object"
        return
    reader = csv.reader(decoded())
    try:
        header = next(reader)
    except StopIteration:
        _fail(f"{path}: no CSV header")
    except csv.Error as exc:
        _fail(f"{path}: unreadable CSV header ({exc})")
    if bad or not [h for h in header if h.strip()]:
        _fail(f"{path}: no CSV header (or not UTF-8)")
    header = [h.strip() for h in header]
    last = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            n, last = reader.line_num, reader.line_num
            size, consumed[0] = consumed[0], 0
            yield n, size, f"unreadable CSV ({exc})"
            continue
        n = reader.line_num
        span = range(last + 1, n + 1)
        last = n
        size, consumed[0] = consumed[0], 0
        if any(i in bad for i in span):
            yield n, size, "not UTF-8 text"
            continue
        if not row or not any(c.strip() for c in row):
            yield n, size, ""
            continue
        if len(row) > len(header):
            yield n, size, "more cells than header columns"
            continue
        yield n, size, _cell_values(dict(zip(header, row)))


@ledger.command("import")
@click.argument("url")
@click.argument("file")
@click.option("--format", "fmt", type=click.Choice(["auto", "csv", "jsonl"]), default="auto", show_default=True)
@click.option("--account-field", default="account_id", show_default=True,
              help="Column / key holding the ledger account id.")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: on a terminal).")
def import_cmd(url: str, file: str, fmt: str, account_field: str, progress: bool | None) -> None:
    """Import contacts made elsewhere from a dialer export (CSV with a header row, or JSONL):
    one contact per line, the Contact fields (channel, at, debt_ids, outcome, ...) plus the
    account id. Bad lines are reported as FILE:LINE: reason (no values echoed) and every good
    line is recorded; identical contacts already recorded are skipped."""
    from tqdm import tqdm

    led = _open(url)
    total = Path(file).stat().st_size if file != "-" and Path(file).is_file() else None
    bar = tqdm(total=total, unit="B", unit_scale=True, desc="import", file=sys.stderr,
               disable=(not sys.stderr.isatty()) if progress is None else not progress)
    errors: list[str] = []
    batch: list[tuple[int, str, Contact]] = []
    counts = {"recorded": 0, "duplicate": 0}
    name = "<stdin>" if file == "-" else file

    def flush() -> None:
        if not batch:
            return
        try:
            res = led.record_many([(a, c) for _n, a, c in batch])
        except InputError:
            res = []
            for n, a, c in batch:  # find the line(s) the database refused; keep the others
                try:
                    res.append(led.record(a, c))
                except InputError as exc:
                    errors.append(f"{name}:{n}: {exc}")
                    res.append(None)
        for r in res:
            if r is True:
                counts["recorded"] += 1
            elif r is False:
                counts["duplicate"] += 1
        batch.clear()

    try:
        for n, size, rec in _records(file, fmt):
            bar.update(size)
            if rec == "":
                continue
            if isinstance(rec, str):
                errors.append(f"{name}:{n}: {rec}")
                continue
            aid = rec.pop(account_field, None)
            if not isinstance(aid, str) or not aid.strip():
                errors.append(f"{name}:{n}: {account_field} is missing")
                continue
            try:
                contact = _coerce(Contact, rec, "contact")
            except InputError as exc:
                errors.append(f"{name}:{n}: {exc}")
                continue
            batch.append((n, aid.strip(), contact))
            if len(batch) >= _BATCH:
                flush()
        flush()
    except LedgerError as exc:
        bar.close()
        led.close()
        _fail(f"{exc} (recorded so far: {counts['recorded']})")
    bar.close()
    led.close()
    for e in errors:
        click.echo(e)
    click.echo(f"imported {counts['recorded']} contact(s), {counts['duplicate']} already recorded, "
               f"{len(errors)} line(s) rejected", err=True)
    sys.exit(1 if errors else 0)


@ledger.command("history")
@click.argument("url")
@click.argument("account_id")
@click.option("--since", default=None, help="Only contacts at or after this ISO 8601 instant.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def history_cmd(url: str, account_id: str, since: str | None, fmt: str) -> None:
    """Print the counted contacts of ACCOUNT_ID, oldest first (pending reservations show outcome
    unknown)."""
    led = _open(url)
    try:
        contacts = led.history(account_id, since=since)
    except (InputError, LedgerError) as exc:
        led.close()
        _fail(str(exc))
    led.close()
    if fmt == "json":
        click.echo(json.dumps([c.model_dump(mode="json", exclude_defaults=True) for c in contacts], indent=2))
        return
    for c in contacts:
        click.echo(f"{c.at.isoformat()}  {c.channel:<8} {c.direction:<8} {c.outcome:<13} {','.join(c.debt_ids)}")
    click.echo(f"{len(contacts)} contact(s)", err=True)


@ledger.command("verify")
@click.argument("url")
def verify_cmd(url: str) -> None:
    """Check the decision log's hash chains; name the first edited, deleted or inserted row.
    Exit 0 intact, 1 broken."""
    led = _open(url)
    try:
        ok, bad = led.verify()
    except LedgerError as exc:
        led.close()
        _fail(str(exc))
    led.close()
    if ok:
        click.echo("ok: decision log intact")
        sys.exit(0)
    click.echo(f"BROKEN: {bad}")
    sys.exit(1)
