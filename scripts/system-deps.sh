#!/usr/bin/env bash
# Debian packages Fil rouge needs outside Python.
#
#   scripts/system-deps.sh run       Qt runtime libraries (to open the window)
#   scripts/system-deps.sh test      + PostgreSQL, gnome-keyring/D-Bus, poppler, qpdf, fonts, Xvfb
#   scripts/system-deps.sh package   + binutils (PyInstaller)
#
# As root on Debian/Ubuntu: installs what is missing (one `apt-get update`, only if something is missing).
# Otherwise: prints the command to run and carries on (tests needing a missing tool skip with a reason,
# unless REQUIRE_POSTGRES=1 / REQUIRE_SECRET_SERVICE=1 make them fail).
set -euo pipefail

QT_RUNTIME=(
    libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1
    libfontconfig1 libdbus-1-3
    libx11-xcb1 libxcb-image0 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xfixes0
    libxcb-xkb1 libxcb-shm0 libxcb-sync1 libxcb-util1
)
TEST_TOOLS=(
    postgresql gnome-keyring dbus poppler-utils qpdf fonts-dejavu-core fonts-dejavu-extra xvfb
)
PACKAGE_TOOLS=(binutils)

what="${1:-run}"
case "$what" in
    run) wanted=("${QT_RUNTIME[@]}") ;;
    test) wanted=("${QT_RUNTIME[@]}" "${TEST_TOOLS[@]}") ;;
    package) wanted=("${QT_RUNTIME[@]}" "${PACKAGE_TOOLS[@]}") ;;
    *) echo "usage: $0 run|test|package" >&2; exit 64 ;;
esac

# Debian's own python3.11 needs python3-venv (ensurepip) for `python3.11 -m venv`.
python="${PYTHON:-python3.11}"
if command -v "$python" >/dev/null 2>&1 && ! "$python" -c 'import ensurepip' >/dev/null 2>&1; then
    wanted+=(python3-venv)
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "system-deps: not a Debian-like system; make sure these (or their equivalents) are installed:" >&2
    echo "  ${wanted[*]}" >&2
    exit 0
fi

missing=()
installed="$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${wanted[@]}" 2>/dev/null || true)"
for pkg in "${wanted[@]}"; do
    if ! grep -qE "^${pkg} ii" <<<"$installed"; then
        missing+=("$pkg")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

if [[ "$(id -u)" -ne 0 ]]; then
    echo "system-deps: missing Debian packages (not root, nothing installed):" >&2
    echo "  sudo apt-get install --no-install-recommends ${missing[*]}" >&2
    exit 0
fi

echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system-deps: done"
