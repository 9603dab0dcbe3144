#!/usr/bin/env bash
# Print the path of a Python 3.12+ interpreter, or fail naming what is needed.
# Looks in order at: $PYTHON, python3.12, python3.13, `pyenv which python3.12`,
# the pyenv versions folder, then python3 if it is new enough.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
for name in python3.12 python3.13; do
  p=$(command -v "$name" 2>/dev/null) && candidates+=("$p")
done
if command -v pyenv >/dev/null 2>&1; then
  p=$(pyenv which python3.12 2>/dev/null) && candidates+=("$p")
fi
root="${PYENV_ROOT:-$HOME/.pyenv}"
for d in "$root"/versions/3.1[2-9]*; do
  [ -x "$d/bin/python" ] && candidates+=("$d/bin/python")
done
p=$(command -v python3 2>/dev/null) && candidates+=("$p")
for c in "${candidates[@]}"; do
  if ok "$c"; then "$c" -c "import sys; print(sys.executable)"; exit 0; fi
done
echo "error: coalition-friction needs Python 3.12 or newer (Mesa 3.5 requires it)." >&2
echo "Install one (e.g. 'pyenv install 3.12') or set PYTHON=/path/to/python3.12." >&2
exit 1
