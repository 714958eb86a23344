#!/usr/bin/env sh
# check -> reserve -> complete against `collectrules serve --ledger URL`, with curl only.
#
#   collectrules serve --ledger sqlite:///tmp/ledger.db &
#   sh examples/clients/check-reserve-complete.sh acct-42 America/New_York
#
# Env: COLLECTRULES_URL (default http://127.0.0.1:8181), COLLECTRULES_TOKEN (with --token-file).
# Exit 1 when denied, 2 on an HTTP error.
set -eu
BASE="${COLLECTRULES_URL:-http://127.0.0.1:8181}"
ACCOUNT="${1:-acct-42}"
ZONE="${2:-America/New_York}"
AT="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
AUTH=""
[ -n "${COLLECTRULES_TOKEN:-}" ] && AUTH="Authorization: Bearer ${COLLECTRULES_TOKEN}"

post() {  # post PATH BODY [HEADER]: prints the body, fails on a non-2xx status
  curl -sS --fail-with-body -X POST "$BASE$1" -H 'Content-Type: application/json' \
       ${AUTH:+-H "$AUTH"} ${3:+-H "$3"} -d "$2" || exit 2
}

REQ="{\"attempt\": {\"channel\": \"call\", \"at\": \"$AT\", \"debt_id\": \"debt-1001\", \"dialer\": \"manual\"},
      \"account\": {\"jurisdictions\": [\"US\"], \"timezones\": [\"$ZONE\"], \"account_id\": \"$ACCOUNT\"}}"

echo "# 1. check"
CHECK="$(post /v1/check "$REQ")"
echo "$CHECK"
echo "$CHECK" | grep -q '"allowed":true' || exit 1

echo "# 2. reserve"
RES="$(post /v1/reservations "$REQ" "Idempotency-Key: curl-$ACCOUNT-$AT")"
echo "$RES"
echo "$RES" | grep -q '"allowed":true' || exit 1
RID="$(echo "$RES" | sed -n 's/.*"reservation_id":"\([0-9a-zA-Z_-]*\)".*/\1/p')"

echo "# 3. complete"
post "/v1/reservations/$RID:complete" '{"outcome": "no_answer"}'
echo
