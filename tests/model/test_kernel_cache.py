"""Where compiled kernels are cached (sim/model/kernel_cache.py): one directory per version
of the model's source."""

from __future__ import annotations

import os
import time

import numba
import pytest

from sim.model import kernel_cache


@pytest.fixture
def restore_cache_dir():
    before = numba.config.CACHE_DIR
    yield
    numba.config.CACHE_DIR = before


def _folder(tmp_path, text="x = 1\n"):
    (tmp_path / "a.py").write_text(text)
    (tmp_path / "b.py").write_text("y = 2\n")
    return tmp_path


def test_the_hash_changes_with_any_source_file_and_only_then(tmp_path):
    folder = _folder(tmp_path)
    first = kernel_cache.source_hash(folder)
    assert kernel_cache.source_hash(folder) == first
    (folder / "notes.txt").write_text("not source")
    assert kernel_cache.source_hash(folder) == first
    (folder / "b.py").write_text("y = 3\n")
    assert kernel_cache.source_hash(folder) != first


def test_this_process_caches_in_the_directory_of_this_source():
    if os.environ.get("NUMBA_CACHE_DIR"):
        pytest.skip("the user chose numba's cache directory")
    want = kernel_cache.cache_root() / f"numba-{kernel_cache.source_hash()}"
    assert numba.config.CACHE_DIR == str(want) and want.is_dir()


def test_a_new_version_gets_its_directory_and_stale_ones_go(tmp_path, monkeypatch,
                                                           restore_cache_dir):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    folder = _folder(tmp_path)
    root = folder / "__pycache__"
    stale, recent = root / "numba-old", root / "numba-recent"
    stale.mkdir(parents=True)
    recent.mkdir()
    hour_ago = time.time() - kernel_cache.STALE_S - 60
    os.utime(stale, (hour_ago, hour_ago))
    path = kernel_cache.configure(folder)
    assert path == root / f"numba-{kernel_cache.source_hash(folder)}" and path.is_dir()
    assert numba.config.CACHE_DIR == str(path)
    assert not stale.exists() and recent.exists()


def test_a_cache_directory_chosen_by_the_user_is_left_alone(tmp_path, monkeypatch,
                                                            restore_cache_dir):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    numba.config.CACHE_DIR = str(tmp_path / "mine")
    assert kernel_cache.configure(_folder(tmp_path)) is None
    assert numba.config.CACHE_DIR == str(tmp_path / "mine")
