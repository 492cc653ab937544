#!/usr/bin/env bash
# Run pytest with the given interpreter and arguments; "no test collected" (exit 5) is a failure, not a pass.
#   scripts/run-pytest.sh .venv/bin/python [pytest args...]
set -uo pipefail
py="${1:?usage: $0 PYTHON [pytest args...]}"
shift
"$py" -m pytest "$@"
rc=$?
if [[ $rc -eq 5 ]]; then
    echo "run-pytest: pytest collected no test (exit 5): treated as a failure." >&2
    exit 1
fi
exit "$rc"
