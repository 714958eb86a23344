// A tiny Node (>= 18, global fetch) client of `collectrules serve`: check -> reserve -> complete.
//
//   collectrules serve --ledger sqlite:///tmp/ledger.db &
//   COLLECTRULES_URL=http://127.0.0.1:8181 node examples/clients/client.mjs acct-42 America/New_York
//
// Env: COLLECTRULES_URL (default http://127.0.0.1:8181), COLLECTRULES_TOKEN (when the service
// runs with --token-file). Prints one JSON line per step; exits 1 when denied, 2 on an error.

const base = process.env.COLLECTRULES_URL ?? "http://127.0.0.1:8181";
const token = process.env.COLLECTRULES_TOKEN;
const [accountId = "acct-42", zone = "America/New_York", jurisdiction = "US"] = process.argv.slice(2);

async function call(method, path, body, headers = {}) {
  const res = await fetch(base + path, {
    method,
    headers: {
      "Content-Type": "application/json",
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json();
  if (!res.ok) {
    // RFC 9457 problem details: title, status, detail and the invalid fields by path
    throw new Error(`${method} ${path}: ${res.status} ${data.title}: ${data.detail ?? ""} ` +
                    JSON.stringify(data.errors ?? []));
  }
  return data;
}

const request = {
  attempt: { channel: "call", at: new Date().toISOString(), debt_id: "debt-1001", dialer: "manual" },
  account: { jurisdictions: [jurisdiction], timezones: [zone], account_id: accountId },
  history: [],
};

try {
  // 1. ask (no side effect)
  const decision = await call("POST", "/v1/check", request);
  console.log(JSON.stringify({ step: "check", allowed: decision.allowed,
                               violations: decision.violations.map(v => v.rule_id),
                               next_allowed_at: decision.next_allowed_at }));
  if (!decision.allowed) process.exit(1);

  // 2. reserve the slot atomically; the idempotency key makes a retry safe
  const key = `node-example-${accountId}-${request.attempt.at}`;
  const res = await call("POST", "/v1/reservations", { ...request, hold_seconds: 600 },
                         { "Idempotency-Key": key });
  console.log(JSON.stringify({ step: "reserve", allowed: res.allowed, reservation_id: res.reservation_id,
                               expires_at: res.expires_at }));
  if (!res.allowed) process.exit(1);

  // 3. ... dial ... then record what happened
  const done = await call("POST", `/v1/reservations/${res.reservation_id}:complete`, { outcome: "no_answer" });
  console.log(JSON.stringify({ step: "complete", ...done }));
} catch (err) {
  console.error(String(err.message ?? err));
  process.exit(2);
}
