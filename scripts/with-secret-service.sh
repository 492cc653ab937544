#!/usr/bin/env bash
# Run a command inside a private D-Bus session with an unlocked gnome-keyring (Secret Service), so the
# keyring-mode tests talk to a real OS secret store:
#
#   scripts/with-secret-service.sh .venv/bin/python -m pytest
#
# The daemon keeps its keyrings and sockets in a throwaway directory (never the user's own keyring),
# and dies with the D-Bus session. Without dbus-run-session or gnome-keyring-daemon the command still
# runs, with a warning (the Secret Service test then skips), unless REQUIRE_SECRET_SERVICE=1, where this
# script fails instead.
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 64
fi

if [[ -z "${_FIL_ROUGE_IN_DBUS_SESSION:-}" ]]; then
    if ! command -v dbus-run-session >/dev/null 2>&1 || ! command -v gnome-keyring-daemon >/dev/null 2>&1; then
        msg="dbus-run-session or gnome-keyring-daemon not found (apt-get install dbus gnome-keyring)"
        if [[ "${REQUIRE_SECRET_SERVICE:-}" == "1" ]]; then
            echo "with-secret-service: $msg, and REQUIRE_SECRET_SERVICE=1." >&2
            exit 1
        fi
        echo "with-secret-service: $msg: running without a Secret Service." >&2
        exec "$@"
    fi
    export _FIL_ROUGE_IN_DBUS_SESSION=1
    # dbus-daemon may warn that it cannot raise its fd limit in a container: harmless.
    exec dbus-run-session -- "$0" "$@"
fi

# Inside the private session bus.
unset _FIL_ROUGE_IN_DBUS_SESSION
tmp="$(mktemp -d "${TMPDIR:-/tmp}/fil-rouge-keyring.XXXXXX")"
cleanup() { rm -rf "$tmp"; }  # the daemon itself exits with the session bus
trap cleanup EXIT
mkdir -m 700 "$tmp/data" "$tmp/run"
pass="$(head -c 18 /dev/urandom | base64)"
env_out="$(printf %s "$pass" | XDG_DATA_HOME="$tmp/data" XDG_RUNTIME_DIR="$tmp/run" \
    gnome-keyring-daemon --unlock --components=secrets)"
eval "$env_out"
export GNOME_KEYRING_CONTROL
echo "with-secret-service: gnome-keyring unlocked on a private D-Bus session" >&2

set +e
"$@"
rc=$?
set -e
exit "$rc"
