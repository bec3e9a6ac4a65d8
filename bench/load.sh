#!/usr/bin/env bash
# `make bench-load`: 50 simulated users for 60 s (locust, headless) over the real journeys' pages, against
# gunicorn on 127.0.0.1 and a fresh PostgreSQL database holding the demo plus a 200-scheme programme
# (10 milestones each, 1,000 risks). Prints one JSON object per line, {"name", "value", "unit"}.
# The database and gunicorn are removed at the end, even on failure. Not part of `make test`.
#
# Settings: config.settings.local with DEBUG off. Its static files come straight from static/ (whitenoise
# finders, plain storage), so no collectstatic is needed; with config.settings.production (whitenoise's
# manifest storage) `manage.py collectstatic --noinput` must run first or every page fails to render.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
PY="$VENV/bin/python"
USERS="${LOAD_USERS:-50}"
SECONDS_TO_RUN="${LOAD_SECONDS:-60}"  # steady state, after the last user has arrived
SPAWN_RATE="${LOAD_SPAWN_RATE:-1}"    # users arriving a second
# The ramp (USERS / SPAWN_RATE seconds, each user signing in as they arrive) comes on top of the steady state.
RUN_SECONDS=$(( (USERS + SPAWN_RATE - 1) / SPAWN_RATE + SECONDS_TO_RUN ))
WORKERS="${LOAD_WORKERS:-3}"
PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
export PGHOST PGPORT PGUSER
db="${LOAD_DATABASE:-bcf_load_$$}"  # dropped at the end, whatever its name
port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
work=$(mktemp -d)
gunicorn_pid=""

cleanup() {
  if [[ -n "$gunicorn_pid" ]] && kill -0 "$gunicorn_pid" 2>/dev/null; then
    kill "$gunicorn_pid"
    for _ in $(seq 1 40); do kill -0 "$gunicorn_pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$gunicorn_pid" 2>/dev/null || true
  fi
  psql -q -d postgres -c "DROP DATABASE IF EXISTS ${db} WITH (FORCE);" >/dev/null 2>&1 || echo "could not drop ${db}" >&2
  rm -rf "$work"
}
trap cleanup EXIT

export DJANGO_SETTINGS_MODULE=config.settings.local
export DATABASE_URL="postgres://${PGUSER}@${PGHOST}:${PGPORT}/${db}"
export DEBUG=false MFA_REQUIRED=false LOG_LEVEL=WARNING
export CONN_MAX_AGE="${CONN_MAX_AGE:-60}"  # connections kept between requests, as config/settings/production.py does
export REDIS_URL=""  # the pages under test queue nothing
export DEMO_PASSWORD="${DEMO_PASSWORD:-trafford-demo-2015}"

echo "== preparing ${db} (migrate, demo, 200 schemes x 10 milestones, 1,000 risks)" >&2
psql -q -d postgres -c "DROP DATABASE IF EXISTS ${db} WITH (FORCE);" >/dev/null
createdb "$db"
"$PY" manage.py migrate --noinput -v0 >&2
"$PY" manage.py load_demo >/dev/null
"$PY" manage.py generate_synthetic --schemes 200 --milestones-per-scheme 10 --risks 1000 --seed 1 >&2
# The office's pages are measured on the large programme: the demo's programme office holds that role there too
# (roles are per programme; without it every page of it answers 404, as for a programme that is not yours).
"$PY" manage.py shell -c "
from accounts.models import User
from accounts.roles import Role
from accounts.services import membership_grant
from schemes.models import Programme
membership_grant(user=User.objects.get(username='pmo'), programme=Programme.objects.get(slug='synthetic-1-200x10'),
                 role=Role.PROGRAMME_OFFICE)
" >&2
psql -q -d "$db" -c "ANALYZE;"

echo "== gunicorn (${WORKERS} workers) on 127.0.0.1:${port}" >&2
# --preload: Django is imported once, before the workers fork, as a production start would.
"$VENV/bin/gunicorn" config.wsgi:application --workers "$WORKERS" --bind "127.0.0.1:${port}" --preload \
  --timeout 60 --log-level warning --error-logfile "$work/gunicorn.log" &
gunicorn_pid=$!
for _ in $(seq 1 60); do
  curl -fs "http://127.0.0.1:${port}/healthz" >/dev/null 2>&1 && break
  kill -0 "$gunicorn_pid" 2>/dev/null || { cat "$work/gunicorn.log" >&2; exit 1; }
  sleep 0.5
done
curl -fs "http://127.0.0.1:${port}/healthz" >/dev/null
# Warm each worker (URLconf, templates) so the first users do not measure start-up.
for _ in $(seq 1 $((WORKERS * 4))); do curl -fs "http://127.0.0.1:${port}/accounts/login/" >/dev/null; done

echo "== locust: ${USERS} users arriving ${SPAWN_RATE} a second, then ${SECONDS_TO_RUN} s steady (${RUN_SECONDS} s)" >&2
status=0
LOAD_PASSWORD="$DEMO_PASSWORD" LOAD_PROGRAMME="synthetic-1-200x10" LOAD_SAMPLES="$work/samples.json" \
  "$VENV/bin/locust" -f bench/locustfile.py \
  --headless --users "$USERS" --spawn-rate "$SPAWN_RATE" --run-time "${RUN_SECONDS}s" --stop-timeout 5 \
  --host "http://127.0.0.1:${port}" --csv "$work/load" --only-summary --loglevel WARNING \
  >"$work/locust.log" 2>&1 || status=$?

"$PY" bench/load_report.py "$work/load_stats.csv" "$work/load_failures.csv" "$work/samples.json"
if [[ $status -ne 0 ]]; then
  echo "locust reported failed requests (exit ${status}):" >&2
  tail -40 "$work/locust.log" >&2
  exit "$status"
fi
