"""The ``collectrules batch`` and ``collectrules plan`` commands (imported lazily by ``cli.py``)."""

from __future__ import annotations

import datetime as _dt
import sys
from typing import Callable

import click

from .errors import InputError, RulesetError

#: Bad rows printed on stderr before the rest are only counted.
MAX_REPORTED = 20


def _load(rulesets):
    from .policy import load_policy

    return load_policy(rulesets)


def _report_bad(path: str) -> int:
    """Print the bad rows of an output file (table, row, field, reason); return their count."""
    import pyarrow.parquet as pq

    n = 0
    pf = pq.ParquetFile(path)
    for batch in pf.iter_batches(columns=["error_table", "error_row", "error_field", "error"], batch_size=65536):
        cols = batch.to_pydict()
        for t, r, f, e in zip(cols["error_table"], cols["error_row"], cols["error_field"], cols["error"]):
            if e is None:
                continue
            n += 1
            if n <= MAX_REPORTED:
                where = f"{t} row {r}" if r is not None else f"{t}"
                click.echo(f"invalid: {where}: {f or '-'}: {e}", err=True)
    if n > MAX_REPORTED:
        click.echo(f"invalid: ... and {n - MAX_REPORTED} more (see the error columns of the output)", err=True)
    return n


def _rows(path: str) -> int | None:
    try:
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    except Exception:  # noqa: BLE001 - the progress total is only a nicety; the run reports errors
        return None


def run_batch(attempts: str, accounts: str, contacts: str | None, out: str, rulesets, workers: int | None,
              chunk: int, progress_bar: Callable) -> int:
    from .batch import check_parquet
    from .redact import redact

    try:
        policy = _load(rulesets)
    except RulesetError as exc:
        click.echo(str(exc), err=True)
        return 2
    bar = progress_bar(_rows(attempts), "attempts")
    last = [0]

    def progress(done: int) -> None:
        if bar is not None:
            bar.update(done - last[0])
            last[0] = done

    try:
        counts = check_parquet(policy, attempts, accounts, contacts, out, workers=workers, chunk_accounts=chunk,
                               progress=progress)
    except InputError as exc:
        click.echo(f"error: {redact(str(exc))}", err=True)
        return 2
    finally:
        if bar is not None:
            bar.close()
    if counts["invalid"]:
        _report_bad(out)
    click.echo(f"{counts['rows']} attempt(s): {counts['allowed']} allowed, {counts['denied']} denied, "
               f"{counts['invalid']} invalid; wrote {out}", err=True)
    if counts["invalid"]:
        return 2
    return 0 if counts["denied"] == 0 else 1


def _instant(value: str, what: str) -> _dt.datetime:
    try:
        t = _dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.UsageError(f"--{what} is not an ISO 8601 instant") from None
    if t.tzinfo is None:
        raise click.UsageError(f"--{what} has no offset: give e.g. 2025-06-09T00:00:00-05:00")
    return t


def run_plan(accounts: str, contacts: str | None, out: str, channel: str, start: str, end: str,
             max_contacts: int | None, slot_minutes: int, rulesets, workers: int | None,
             progress_bar: Callable) -> int:
    import pyarrow.parquet as pq

    from .plan import plan_table
    from .redact import redact

    t0, t1 = _instant(start, "start"), _instant(end, "end")
    try:
        policy = _load(rulesets)
    except RulesetError as exc:
        click.echo(str(exc), err=True)
        return 2
    bar = progress_bar(_rows(accounts), "accounts")
    last = [0]

    def progress(done: int) -> None:
        if bar is not None:
            bar.update(done - last[0])
            last[0] = done

    try:
        table = plan_table(policy, accounts, contacts, channel=channel, start=t0, end=t1,
                           max_contacts=max_contacts, slot=_dt.timedelta(minutes=slot_minutes), workers=workers,
                           progress=progress)
        pq.write_table(table, out)
    except InputError as exc:
        click.echo(f"error: {redact(str(exc))}", err=True)
        return 2
    except OSError as exc:
        click.echo(f"error: cannot write {out}: {exc.strerror or type(exc).__name__}", err=True)
        return 2
    finally:
        if bar is not None:
            bar.close()
    invalid = _report_bad(out)
    planned = sum(len(x) for x in table.column("planned_at").to_pylist() if x)
    click.echo(f"{table.num_rows} account(s): {planned} contact(s) planned, {invalid} invalid; wrote {out}",
               err=True)
    return 2 if invalid else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(1)
