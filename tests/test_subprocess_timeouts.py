"""Nothing the tests start may wait forever (issue 17).

An AST scan of every Python file under tests/ (the tests, their fixtures and the fake
SLURM commands): each ``subprocess.run``/``call``/``check_call``/``check_output`` passes
``timeout=``; each ``.communicate()``, ``.wait()`` and ``.result()`` passes a timeout; a
``Popen`` is either waited for with a timeout in the same function or started detached
(``start_new_session=True``, nothing waits for it); ``os.system`` is not used. pytest-timeout
(pyproject.toml) still bounds every test, but a subprocess's own timeout fails sooner and
kills the child, where a stuck wait would hold the suite until the per-test limit.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
#: subprocess functions that wait for the child; each needs ``timeout=``.
WAITING = {"run", "call", "check_call", "check_output"}
#: Methods that block on a child or a future; each needs a timeout (keyword or first argument).
BLOCKING_METHODS = {"communicate": 1, "wait": 0, "result": 0}


def _name(func: ast.expr) -> tuple[str | None, str | None]:
    """(owner, name) of a call's function: ``subprocess.run`` -> ("subprocess", "run")."""
    if isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else None
        return owner, func.attr
    if isinstance(func, ast.Name):
        return None, func.id
    return None, None


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _has_timeout(call: ast.Call, position: int | None = None) -> bool:
    value = _kw(call, "timeout")
    if value is None and position is not None and len(call.args) > position:
        value = call.args[position]
    return value is not None and not (isinstance(value, ast.Constant) and value.value is None)


def calls_without_timeout(source: str, filename: str = "<test>") -> list[str]:
    """Every call in ``source`` that could wait forever, as ``file:line: what``."""
    tree = ast.parse(source, filename)
    #: names bound by ``from subprocess import X [as Y]``: Y -> X
    from_subprocess = {a.asname or a.name: a.name for node in ast.walk(tree)
                       if isinstance(node, ast.ImportFrom) and node.module == "subprocess"
                       for a in node.names}
    problems = []

    def report(node: ast.AST, what: str) -> None:
        problems.append(f"{filename}:{node.lineno}: {what}")

    scopes = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    scopes.append(tree)
    for scope in scopes:
        calls = [n for n in ast.walk(scope) if isinstance(n, ast.Call)]
        waited = any(_name(c.func)[1] in ("wait", "communicate")
                     and _has_timeout(c, BLOCKING_METHODS[_name(c.func)[1]]) for c in calls)
        for call in calls:
            owner, name = _name(call.func)
            is_subprocess = owner == "subprocess" or (owner is None and name in from_subprocess)
            if owner is None and name in from_subprocess:
                name = from_subprocess[name]
            if is_subprocess and name in WAITING and not _has_timeout(call):
                report(call, f"subprocess.{name}(...) without timeout=")
            elif is_subprocess and name == "Popen":
                detached = _kw(call, "start_new_session")
                if not waited and not (isinstance(detached, ast.Constant) and detached.value):
                    report(call, "Popen(...) neither waited for with a timeout nor detached")
            elif owner == "os" and name == "system":
                report(call, "os.system(...) (cannot time out; use subprocess.run(timeout=))")
            elif (isinstance(call.func, ast.Attribute) and name in BLOCKING_METHODS
                  and not _has_timeout(call, BLOCKING_METHODS[name])):
                report(call, f".{name}() without a timeout")
    return sorted(set(problems))


def test_every_subprocess_and_wait_in_tests_has_a_timeout():
    files = sorted(TESTS.rglob("*.py"))
    assert len(files) > 40 and TESTS / "conftest.py" in files
    assert TESTS / "fake_slurm" / "sbatch.py" in files
    problems = [p for f in files for p in calls_without_timeout(f.read_text(), str(f))]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("source", [
    "import subprocess\nsubprocess.run(['ls'], check=True)\n",
    "import subprocess\nsubprocess.check_output(['ls'], timeout=None)\n",
    "from subprocess import run\nrun(['ls'])\n",
    "from subprocess import check_call as cc\ncc(['ls'])\n",
    "import subprocess\ndef f():\n    p = subprocess.Popen(['ls'])\n    p.communicate()\n",
    "import subprocess\ndef f():\n    p = subprocess.Popen(['ls'])\n    return p\n",
    "def f(p):\n    p.wait()\n",
    "def f(fut):\n    return fut.result()\n",
    "import os\nos.system('ls')\n",
])
def test_the_scan_catches_a_call_that_can_wait_forever(source):
    assert calls_without_timeout(source)


@pytest.mark.parametrize("source", [
    "import subprocess\nsubprocess.run(['ls'], check=True, timeout=60)\n",
    "from subprocess import run\nrun(['ls'], timeout=T)\n",
    "import subprocess\ndef f():\n    p = subprocess.Popen(['ls'])\n    p.communicate(timeout=5)\n",
    "import subprocess\ndef f():\n    p = subprocess.Popen(['ls'])\n    p.wait(5)\n",
    "import subprocess\nsubprocess.Popen(['ls'], start_new_session=True)\n",
    "def f(fut):\n    return fut.result(timeout=9)\n",
])
def test_the_scan_accepts_a_call_with_a_timeout(source):
    assert calls_without_timeout(source) == []
