#!/usr/bin/env bash
# The wheel, as someone installs it: `pip wheel .` from this repository, installed in a fresh venv from the
# lock file (requirements/server.txt: the app's dependencies and the server's), then every command run from a
# folder outside the checkout, so nothing is found by accident in the source tree (resources/ especially).
#   scripts/check-wheel.sh [python3.11]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"
python="${1:-${PYTHON:-python3.11}}"
uv="$root/.venv/bin/uv"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/fil-rouge-wheel.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
PASSPHRASE="phrase secrète du test de la roue"
step() { echo "check-wheel: $*"; }

"$root/.venv/bin/python" -m pip wheel --quiet --no-deps --wheel-dir "$tmp/wheel" . \
    2> >(grep -v "is ignored: it is neither a file nor a directory" >&2 || true)
wheel="$(ls "$tmp"/wheel/fil_rouge-*.whl)"
unzip -l "$wheel" >"$tmp/wheel.txt"
for needed in app/resources/rules/default.yaml app/resources/fonts/DejaVuSans.ttf \
    app/resources/vocabularies/regimes.yaml app/resources/icons/fil-rouge.svg app/migrations/env.py; do
    grep -q " $needed\$" "$tmp/wheel.txt" || { echo "check-wheel: $needed missing from $(basename "$wheel")" >&2; exit 1; }
done
"$python" -m venv "$tmp/venv"
"$uv" pip install --quiet --python "$tmp/venv/bin/python" --require-hashes -r requirements/server.txt
"$uv" pip install --quiet --python "$tmp/venv/bin/python" --no-deps "$wheel"
step "$(basename "$wheel") installed in a fresh venv from requirements/server.txt"

cd "$tmp"  # away from the checkout: `app` and `resources` must come from the venv
fr() { env -u FIL_ROUGE_DATA_DIR -u PYTHONPATH HOME="$tmp/home" QT_QPA_PLATFORM=offscreen \
        timeout 120 "$tmp/venv/bin/fil-rouge" --data-dir "$tmp/data" "$@"; }
demo() { fr --profile demo --passphrase-stdin "$@" <<<"$PASSPHRASE"; }
first() { "$tmp/venv/bin/python" -c 'import json, sys; print(json.load(sys.stdin)[0][sys.argv[1]])' "$1"; }
where="$("$tmp/venv/bin/python" -c 'from app.models.resources import resources_dir; print(resources_dir())')"
[[ "$where" == "$tmp/venv/"* ]] || { echo "check-wheel: resources read from $where, not the venv" >&2; exit 1; }

fr --version
fr self-test
demo init --demo
demo caseload --json >caseload.json
person="$(first id <caseload.json)"
demo person show "$person" >/dev/null
demo contracts --json >contracts.json
demo pdf contract "$(first id <contracts.json)" --out contrat.pdf
demo pdf roadmap "$person" --out feuille.pdf
demo pdf contracts --person "$person" --single contrats.pdf
demo agenda --week --ics agenda.ics --pdf agenda.pdf >/dev/null
demo alerts >/dev/null
demo report --out rapport.xlsx >/dev/null
demo report --out rapport.pdf >/dev/null
demo audit >/dev/null
demo export-person "$person" --out acces >/dev/null
demo import orientations --dry-run "$root/tests/services/data/imports/orientations_utf8.csv" >/dev/null
demo purge --dry-run >/dev/null
demo status >/dev/null
demo seal
for f in contrat.pdf feuille.pdf contrats.pdf agenda.pdf rapport.pdf; do
    [[ "$(head -c 5 "$f")" == "%PDF-" ]] || { echo "check-wheel: $f is not a PDF" >&2; exit 1; }
done
fr --check-preview contrat.pdf
"$tmp/venv/bin/python" -m server --help >/dev/null
step "every command ran from the installed wheel"
