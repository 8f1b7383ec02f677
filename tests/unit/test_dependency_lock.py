"""The image installs from a lock with a hash for every file, and the lock is the project's:
every pin in pyproject.toml is in it at the same version (`make lock` remakes it)."""

from __future__ import annotations

import re
import tomllib

import pytest

from shop import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;]+)$")
ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(requirements: list[str]) -> dict[str, str]:
    found = {}
    for requirement in requirements:
        match = PIN.match(requirement.strip())
        assert match, f"{requirement!r} is not pinned with =="
        found[normalise(match.group(1))] = match.group(2)
    return found


def locked(name: str) -> tuple[dict[str, str], str]:
    text = (ROOT / name).read_text()
    return {normalise(m.group(1)): m.group(2) for m in ENTRY.finditer(text)}, text


@pytest.mark.parametrize(
    ("lock", "requirements"),
    [
        ("requirements.lock", PYPROJECT["project"]["dependencies"]),
        ("requirements-dev.lock", PYPROJECT["project"]["dependencies"]
         + PYPROJECT["project"]["optional-dependencies"]["dev"]),
    ],
)
def test_the_lock_holds_every_pin_of_pyproject_at_its_version(lock: str, requirements):
    versions, _ = locked(lock)
    for name, version in pins(requirements).items():
        assert versions.get(name) == version, f"{lock}: {name} {versions.get(name)} != {version}"


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_every_locked_package_carries_its_hashes(lock: str):
    _, text = locked(lock)
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.strip())
    assert len(blocks) > 20
    for block in blocks:
        assert "--hash=sha256:" in block, block.splitlines()[0]


def test_the_image_installs_only_from_the_hashed_lock_and_runs_as_its_own_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --require-hashes --no-deps -r requirements.lock" in dockerfile
    assert "pip install -e" not in dockerfile and "pip install ." not in dockerfile
    user = re.search(r"^USER (\S+)$", dockerfile, re.MULTILINE).group(1)
    assert user not in ("root", "0")
    # The uploads volume's mount point belongs to that user, so an upload can be written.
    assert re.search(rf"chown -R {user}:{user} .*?/data\b", dockerfile)
    assert "--uid 10001" in dockerfile
