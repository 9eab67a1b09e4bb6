#!/usr/bin/env bash
# Run once per `docker compose up` by the temporal-setup service (temporalio/admin-tools image).
# Registers Nudge's custom search attributes. The API sets them when it starts a workflow and the
# workflow updates NudgeStatus, both of which fail until they exist: api and worker wait for this job.
# Idempotent: attributes already registered are skipped. Keep the list in sync with
# shared/contracts/search-attributes.ts (the worker also registers any missing at start: worker/search-attributes.ts).
set -euo pipefail

ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
ATTEMPTS="${SETUP_ATTEMPTS:-90}" # 2 s apart
# Other Temporal services see new attributes only after their namespace cache refreshes
# (about 10 s), so after a change we wait before letting the API and worker start.
SETTLE_SECONDS="${SETTLE_SECONDS:-15}"
ATTRIBUTES=(NudgeFirmId NudgeAccountId NudgeItemKind NudgeItemId NudgeStatus NudgeStartedBy)

tcli() { temporal "$@" --address "$ADDRESS" --color never; }

# wait_for <what> <command...>: retry the command until it succeeds.
wait_for() {
  local what=$1 i
  shift
  for ((i = 1; i <= ATTEMPTS; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    echo "waiting for ${what} (${i}/${ATTEMPTS})"
    sleep 2
  done
  echo "gave up waiting for ${what}" >&2
  return 1
}

# Names of the search attributes the namespace knows (first column of the table; the header row "Name" never matches).
registered() { tcli operator search-attribute list --namespace "$NAMESPACE" | awk '{ print $1 }'; }

all_registered() {
  local names name
  names=$(registered) || return 1
  for name in "${ATTRIBUTES[@]}"; do
    grep -qxF "$name" <<<"$names" || return 1
  done
}

wait_for "Temporal at ${ADDRESS}" tcli operator cluster health
# auto-setup registers the default namespace in the background once the server is up.
wait_for "namespace ${NAMESPACE}" tcli operator namespace describe --namespace "$NAMESPACE"

created=0
for name in "${ATTRIBUTES[@]}"; do
  for ((i = 1; ; i++)); do
    names=$(registered 2>/dev/null || true)
    if grep -qxF "$name" <<<"$names"; then
      echo "${name}: already registered"
      break
    fi
    if out=$(tcli operator search-attribute create --namespace "$NAMESPACE" --name "$name" --type Keyword 2>&1); then
      echo "${name}: registered"
      created=1
      break
    fi
    # Same name with another type is a real conflict; same name and type is success.
    if grep -qi 'different type' <<<"$out"; then
      echo "${name}: ${out}" >&2
      exit 1
    fi
    if grep -qi 'already exists' <<<"$out"; then
      echo "${name}: already registered"
      break
    fi
    if ((i >= ATTEMPTS)); then
      echo "${name}: could not register: ${out}" >&2
      exit 1
    fi
    echo "${name}: not registered yet (${out}); retrying"
    sleep 2
  done
done

wait_for "all search attributes to be listed" all_registered

if ((created)); then
  echo "letting Temporal's caches pick up the new attributes (${SETTLE_SECONDS} s)"
  sleep "$SETTLE_SECONDS"
fi
echo "search attributes ready in namespace ${NAMESPACE}: ${ATTRIBUTES[*]}"
