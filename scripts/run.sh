#!/usr/bin/env bash
# Start the web app and a job consumer together; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/flask jobs worker &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
echo
echo "Microfactory: http://127.0.0.1:5000  (demo logins above; Ctrl-C to stop)"
.venv/bin/gunicorn --bind 127.0.0.1:5000 --workers 2 --threads 4 --access-logfile - "factory:create_app()"
