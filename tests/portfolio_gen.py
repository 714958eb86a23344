"""Synthetic portfolios for the batch tests and benchmarks (deterministic for a seed).

Accounts in several zones (Chicago, New York, Los Angeles, Phoenix without DST, Honolulu,
Shanghai, Kolkata's half-hour offset), attempts on DST days and at the edges of the 08:00/21:00
windows (07:59:59, 08:00:00, 20:59:59, 21:00:00 local), histories that put an attempt at the
7-in-7 cap's edge (6 or 7 calls in the last 7 days) or inside the 7 days after a conversation,
and every account state flag.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo

import pyarrow as pa

UTC = dt.timezone.utc

PLACES = [  # (jurisdictions, zones)
    (["US-IL"], ["America/Chicago"]),
    (["US-MA"], ["America/New_York"]),
    (["US-CA"], ["America/Los_Angeles"]),
    (["US-AZ"], ["America/Phoenix"]),
    (["US-HI"], ["Pacific/Honolulu"]),
    (["US-NY"], ["America/New_York", "America/Chicago"]),
    (["US-WA"], []),
    (["CN-SH"], ["Asia/Shanghai"]),
    (["IN"], ["Asia/Kolkata"]),
]
DAYS = [dt.date(2025, 3, 9), dt.date(2025, 3, 10), dt.date(2025, 11, 2), dt.date(2025, 11, 3),
        dt.date(2025, 6, 3), dt.date(2025, 6, 7), dt.date(2025, 12, 25), dt.date(2026, 1, 15)]
TIMES = [dt.time(7, 59, 59), dt.time(8, 0), dt.time(8, 0, 1), dt.time(12, 30), dt.time(20, 59, 59),
         dt.time(21, 0), dt.time(21, 30), dt.time(1, 30), dt.time(2, 30), dt.time(22, 0)]
FLAGS = ["cease_communication", "attorney_represented", "disputed_unverified", "bankruptcy", "deceased",
         "workplace_contact_prohibited", "debtor_unreachable", "sol_expired", "breathing_space",
         "debtor_lacks_capacity"]
CHANNELS = ["call", "call", "call", "sms", "email", "letter", "visit", "voicemail"]
OUTCOMES = ["no_answer", "no_answer", "voicemail", "busy", "not_connected", "conversation", "delivered"]


def _local(day: dt.date, t: dt.time, zone: str) -> dt.datetime:
    return dt.datetime.combine(day, t, tzinfo=zoneinfo.ZoneInfo(zone))


def generate(n_accounts: int, seed: int = 0, *, max_contacts: int = 20, attempts_per_account: int = 1,
             states: bool = True) -> tuple[list[dict], list[dict], list[dict]]:
    """(attempts, accounts, contacts) as row dicts, columns named as the model fields."""
    rnd = random.Random(seed)
    attempts: list[dict] = []
    accounts: list[dict] = []
    contacts: list[dict] = []
    for k in range(n_accounts):
        aid = f"A{k:07d}"
        jur, zones = PLACES[rnd.randrange(len(PLACES))]
        acc: dict = {"account_id": aid, "jurisdictions": list(jur)}
        if zones or rnd.random() < 0.5:
            acc["timezones"] = list(zones) if zones else ["America/Los_Angeles"]
        if states and rnd.random() < 0.25:
            acc[FLAGS[rnd.randrange(len(FLAGS))]] = True
        if states and rnd.random() < 0.05:
            acc["opted_out_channels"] = [rnd.choice(["sms", "email", "call"])]
        if states and rnd.random() < 0.05:
            acc["inconvenient_times"] = [{"start": "12:00", "end": "13:00"}]
        if states and rnd.random() < 0.03:
            acc["collector_type"] = "first_party"
        accounts.append(acc)
        zone = (acc.get("timezones") or ["America/Los_Angeles"])[0]
        first_day = DAYS[rnd.randrange(len(DAYS))]
        for j in range(attempts_per_account):
            day = first_day if j == 0 else DAYS[rnd.randrange(len(DAYS))]
            at = _local(day, TIMES[rnd.randrange(len(TIMES))], zone)
            att = {"attempt_id": f"T{k:07d}-{j}", "account_id": aid,
                   "channel": CHANNELS[rnd.randrange(len(CHANNELS))], "at": at.isoformat(),
                   "debt_id": f"D{k}"}
            if rnd.random() < 0.1:
                att["dialer"] = rnd.choice(["autodialer", "prerecorded", "ai_voice"])
            if rnd.random() < 0.05:
                att["recipient"] = rnd.choice(["third_party", "spouse", "employer"])
            attempts.append(att)
        # history: some recent calls (to hit the 7-in-7 edge), older ones, maybe a conversation
        n = rnd.randrange(max_contacts + 1)
        if n and rnd.random() < 0.5:
            n = max(n, 8)
        last_day = first_day
        recent = min(n, rnd.choice([0, 3, 5, 6, 7, 8]))
        for i in range(n):
            if i < recent:  # the 7 local dates up to the attempt's: the 7-in-7 cap's edge
                t = _local(last_day - dt.timedelta(days=rnd.randrange(1, 7)), dt.time(9 + i % 8, 5 * i % 60), zone)
            else:
                t = _local(last_day - dt.timedelta(days=rnd.randrange(7, 120)), dt.time(9 + i % 10, 7), zone)
            c = {"account_id": aid, "channel": "call" if rnd.random() < 0.8 else rnd.choice(["sms", "email"]),
                 "at": t.astimezone(UTC), "debt_ids": [f"D{k}"], "outcome": OUTCOMES[rnd.randrange(len(OUTCOMES))]}
            if rnd.random() < 0.05:
                c["direction"] = "inbound"
            contacts.append(c)
    return attempts, accounts, contacts


ATTEMPT_SCHEMA = pa.schema([("attempt_id", pa.string()), ("account_id", pa.string()), ("channel", pa.string()),
                            ("at", pa.string()), ("debt_id", pa.string()), ("dialer", pa.string()),
                            ("recipient", pa.string())])
CONTACT_SCHEMA = pa.schema([("account_id", pa.string()), ("channel", pa.string()),
                            ("at", pa.timestamp("us", tz="UTC")), ("debt_ids", pa.list_(pa.string())),
                            ("outcome", pa.string()), ("direction", pa.string())])
_WINDOW = pa.struct([("start", pa.string()), ("end", pa.string()), ("days", pa.list_(pa.string()))])
ACCOUNT_SCHEMA = pa.schema([("account_id", pa.string()), ("jurisdictions", pa.list_(pa.string())),
                            ("timezones", pa.list_(pa.string())), ("collector_type", pa.string())]
                           + [(f, pa.bool_()) for f in FLAGS]
                           + [("opted_out_channels", pa.list_(pa.string())), ("inconvenient_times", pa.list_(_WINDOW))])


def tables(attempts, accounts, contacts) -> tuple[pa.Table, pa.Table, pa.Table]:
    def tab(rows, schema):
        return pa.table({f.name: pa.array([r.get(f.name) for r in rows], f.type) for f in schema}, schema=schema)

    return tab(attempts, ATTEMPT_SCHEMA), tab(accounts, ACCOUNT_SCHEMA), tab(contacts, CONTACT_SCHEMA)


def by_account(contacts: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for c in contacts:
        d = {k: v for k, v in c.items() if k != "account_id"}
        out.setdefault(c["account_id"], []).append(d)
    return out
