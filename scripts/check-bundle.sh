#!/usr/bin/env bash
# Smoke-test a PyInstaller bundle: `--version`, `--help` (every command module was collected) and
# `self-test` (temporary passphrase vault: SQLCipher + Alembic migrations + write + read back),
# in a throwaway HOME and data directory, with no standard input.
#   scripts/check-bundle.sh dist/fil-rouge/fil-rouge
set -euo pipefail
exe="${1:-dist/fil-rouge/fil-rouge}"
[[ -x "$exe" ]] || { echo "check-bundle: $exe not found (run make package)" >&2; exit 1; }
tmp="$(mktemp -d "${TMPDIR:-/tmp}/fil-rouge-bundle.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
run() {
    env -u FIL_ROUGE_DATA_DIR HOME="$tmp/home" XDG_DATA_HOME="$tmp/home/.local/share" \
        XDG_CACHE_HOME="$tmp/home/.cache" QT_QPA_PLATFORM=offscreen \
        timeout 120 "$exe" --data-dir "$tmp/data" "$@" </dev/null
}
mkdir -p "$tmp/home"
run --version
run --help >"$tmp/help.txt"
for cmd in init self-test; do
    grep -q "$cmd" "$tmp/help.txt" || { echo "check-bundle: command '$cmd' missing from the bundle's --help" >&2; exit 1; }
done
start=$(date +%s%N)
run self-test
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "check-bundle: self-test OK in ${ms} ms; bundle size $(du -sh "$(dirname "$exe")" | cut -f1)"

# The window (offscreen): it must start and keep running until we stop it, not crash on a missing module.
gui_rc=0
env -u FIL_ROUGE_DATA_DIR HOME="$tmp/home" QT_QPA_PLATFORM=offscreen \
    timeout 12 "$exe" --data-dir "$tmp/gui-data" </dev/null >"$tmp/gui.log" 2>&1 || gui_rc=$?
if [[ $gui_rc -ne 124 ]] || grep -q "Traceback" "$tmp/gui.log"; then
    echo "check-bundle: the window did not stay up (exit $gui_rc):" >&2
    cat "$tmp/gui.log" >&2
    exit 1
fi
echo "check-bundle: window started offscreen and stayed up"

# The OS keyring from inside the bundle (keyring's backends are found through entry points: easy to lose).
here="$(cd "$(dirname "$0")" && pwd)"
if command -v dbus-run-session >/dev/null 2>&1 && command -v gnome-keyring-daemon >/dev/null 2>&1; then
    HOME="$tmp/home" "$here/with-secret-service.sh" "$exe" --data-dir "$tmp/data" --profile trousseau \
        init --mode keyring </dev/null
    grep -q '"mode": "keyring"' "$tmp/data/profiles/trousseau/profile.json"
    echo "check-bundle: keyring-mode profile created through the Secret Service"
elif [[ "${REQUIRE_SECRET_SERVICE:-}" == "1" ]]; then
    echo "check-bundle: no dbus-run-session/gnome-keyring-daemon and REQUIRE_SECRET_SERVICE=1" >&2
    exit 1
else
    echo "check-bundle: keyring check skipped (no dbus-run-session/gnome-keyring-daemon)"
fi
