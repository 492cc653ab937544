#!/usr/bin/env bash
# Smoke-test a PyInstaller bundle (Linux, macOS; scripts/check-bundle.ps1 is the Windows twin, same steps):
#   1. `--version`, `--help` (every command module was collected), `self-test` (SQLCipher + Alembic);
#   2. `init --demo` (passphrase), `contracts`, `pdf contract` (plain), `pdf roadmap`;
#   3. the window's PDF rasteriser on one page, offscreen (`--check-preview`: PDFium + Qt images);
#   4. a keyring-mode profile through the OS keyring, the seal configured with a throw-away test certificate
#      (tests/services/certificates.py) and `pdf contract` sealed (pyHanko, aiohttp, cryptography inside);
#   5. the window, offscreen, stays up; the bundle's size.
# Everything runs in a throwaway HOME and data directory, with no standard input except the passphrases.
#   scripts/check-bundle.sh [dist/fil-rouge] [python-with-cryptography]
set -euo pipefail
dir="${1:-dist/fil-rouge}"
python="${2:-.venv/bin/python}"  # only to write the test certificate (the bundle has no interpreter to offer)
here="$(cd "$(dirname "$0")" && pwd)"
cli="$dir/fil-rouge-cli"
gui="$dir/fil-rouge"
[[ -x "$gui" ]] || gui="$dir/Fil rouge"  # macOS names it like Windows
[[ -x "$cli" && -x "$gui" ]] || { echo "check-bundle: $cli or $gui missing (run make package)" >&2; exit 1; }
tmp="$(mktemp -d "${TMPDIR:-/tmp}/fil-rouge-bundle.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home"
PASSPHRASE="phrase secrète du test de l'exécutable"
SEAL_PASSWORD="mot de passe du cachet de test"

limit() {  # a hang guard where coreutils' timeout exists (macOS has none unless Homebrew's gtimeout)
    if command -v timeout >/dev/null 2>&1; then timeout 120 "$@"
    elif command -v gtimeout >/dev/null 2>&1; then gtimeout 120 "$@"
    else "$@"; fi
}
run() {  # run the CLI in the throwaway home; stdin from $input (empty by default)
    limit env -u FIL_ROUGE_DATA_DIR HOME="$tmp/home" XDG_DATA_HOME="$tmp/home/.local/share" \
        XDG_CACHE_HOME="$tmp/home/.cache" QT_QPA_PLATFORM=offscreen \
        "$cli" --data-dir "$tmp/data" "$@" <<<"${input:-}"
}
step() { echo "check-bundle: $*"; }
json_field() { "$python" -c 'import json, sys; print(json.load(sys.stdin)[0][sys.argv[1]])' "$1"; }
is_pdf() { [[ "$(head -c 5 "$1")" == "%PDF-" ]] || { echo "check-bundle: $1 is not a PDF" >&2; exit 1; }; }

# 1. the commands are all there and the vault works
run --version
run --help >"$tmp/help.txt"
for cmd in init self-test contracts pdf seal report; do
    grep -q "^    $cmd " "$tmp/help.txt" || { echo "check-bundle: command '$cmd' missing from --help" >&2; exit 1; }
done
run self-test

# 2. a demo profile, its contracts, a contract and a roadmap as PDF
input="$PASSPHRASE" run --profile demo --passphrase-stdin init --demo
input="$PASSPHRASE" run --profile demo --passphrase-stdin contracts --json >"$tmp/contracts.json"
contract="$(json_field id <"$tmp/contracts.json")"
person="$(json_field person_id <"$tmp/contracts.json")"
input="$PASSPHRASE" run --profile demo --passphrase-stdin pdf contract "$contract" --out "$tmp/contrat.pdf"
is_pdf "$tmp/contrat.pdf"
if grep -aq "/ByteRange" "$tmp/contrat.pdf"; then echo "check-bundle: unsealed contract is signed?" >&2; exit 1; fi
input="$PASSPHRASE" run --profile demo --passphrase-stdin pdf roadmap "$person" --out "$tmp/feuille.pdf"
is_pdf "$tmp/feuille.pdf"
if command -v pdftotext >/dev/null 2>&1; then
    pdftotext "$tmp/contrat.pdf" "$tmp/contrat.txt"
    grep -q "Contrat d'engagement" "$tmp/contrat.txt" || { echo "check-bundle: contract text missing" >&2; exit 1; }
fi

# 3. the window's rasteriser, offscreen, on the contract's first page
run --check-preview "$tmp/contrat.pdf"
[[ -s "$tmp/contrat.apercu.png" ]] || { echo "check-bundle: no preview image" >&2; exit 1; }

# 4. keyring-mode profile, seal, sealed contract (all inside one keyring session)
sealed_part() {
    "$python" -c 'import sys; from pathlib import Path; from tests.services.certificates import make_p12
print(make_p12(Path(sys.argv[1]), sys.argv[2]))' "$tmp" "$SEAL_PASSWORD" >/dev/null
    run --profile trousseau init --demo --mode keyring
    grep -q '"mode": "keyring"' "$tmp/data/profiles/trousseau/profile.json"
    input="$SEAL_PASSWORD" run --profile trousseau seal --certificate "$tmp/sceau.p12" --password-stdin
    run --profile trousseau contracts --json >"$tmp/contracts-k.json"
    run --profile trousseau pdf contract "$(json_field id <"$tmp/contracts-k.json")" --out "$tmp/scelle.pdf"
    is_pdf "$tmp/scelle.pdf"
    grep -aq "/ETSI.CAdES.detached" "$tmp/scelle.pdf" || { echo "check-bundle: contract not sealed" >&2; exit 1; }
    if command -v pdfsig >/dev/null 2>&1; then
        pdfsig -nocert "$tmp/scelle.pdf" >"$tmp/pdfsig.txt" 2>&1 || true
        grep -q "Signature is Valid" "$tmp/pdfsig.txt" || { echo "check-bundle: the seal does not verify" >&2; exit 1; }
    fi
    step "keyring profile, seal configured, sealed contract verified"
}
if [[ "$(uname)" == "Darwin" ]]; then
    sealed_part  # the login keychain of the session
elif command -v dbus-run-session >/dev/null 2>&1 && command -v gnome-keyring-daemon >/dev/null 2>&1; then
    export -f sealed_part run limit step json_field is_pdf
    export tmp cli python SEAL_PASSWORD
    HOME="$tmp/home" "$here/with-secret-service.sh" bash -c sealed_part
elif [[ "${REQUIRE_SECRET_SERVICE:-}" == "1" ]]; then
    echo "check-bundle: no dbus-run-session/gnome-keyring-daemon and REQUIRE_SECRET_SERVICE=1" >&2
    exit 1
else
    step "keyring and seal checks skipped (no dbus-run-session/gnome-keyring-daemon)"
fi

# 5. the window (offscreen) must start and keep running until stopped, not crash on a missing module
env -u FIL_ROUGE_DATA_DIR HOME="$tmp/home" QT_QPA_PLATFORM=offscreen \
    "$gui" --data-dir "$tmp/gui-data" </dev/null >"$tmp/gui.log" 2>&1 &
gui_pid=$!
sleep 12
if ! kill -0 "$gui_pid" 2>/dev/null || grep -q "Traceback" "$tmp/gui.log"; then
    gui_rc=0
    wait "$gui_pid" || gui_rc=$?
    echo "check-bundle: the window did not stay up (exit $gui_rc):" >&2
    cat "$tmp/gui.log" >&2
    exit 1
fi
kill "$gui_pid"
wait "$gui_pid" 2>/dev/null || true
step "window started offscreen and stayed up"
step "all checks passed; bundle size $(du -sh "$dir" | cut -f1)"
