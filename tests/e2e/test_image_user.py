"""A product photo upload under the Docker image's own non-root user, on the uploads volume's
layout: the Dockerfile's user owns /data, where compose mounts the `uploads` volume."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from shop import ROOT
from tests import machine

pytestmark = pytest.mark.e2e

DOCKERFILE = (ROOT / "Dockerfile").read_text()
UID = int(re.search(r"--uid (\d+)", DOCKERFILE).group(1))
ENVIRONMENT = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["x-shop-environment"]

UPLOAD = """
import io, sys
from types import SimpleNamespace
from PIL import Image
from shop import create_app
from shop.admin import images

data = sys.argv[1]
app = create_app({
    # Never connected: the upload touches only the files.
    "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/none", "SECRET_KEY": "k" * 32,
    "UPLOADS_DIR": data + sys.argv[2], "ORIGINALS_DIR": data + sys.argv[3],
})
photo = io.BytesIO()
Image.new("RGB", (900, 600), "white").save(photo, "PNG")
with app.app_context():
    print(images.save(SimpleNamespace(slug="kefir-soap-bar"), images.check(photo.getvalue()),
                      photo.getvalue()))
"""


@pytest.fixture
def volume() -> Iterator[Path]:
    """A stand-in for the `uploads` volume: /data as the image makes it, owned by its user."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        # CI runs as root on Debian (util-linux is essential there), so this never skips in CI.
        machine.require("switching to the image's user needs root and setpriv (util-linux)")
    top = Path(tempfile.mkdtemp(prefix="shop-volume-"))
    top.chmod(0o755)
    data = top / "data"
    data.mkdir()
    os.chown(data, UID, UID)
    yield data
    shutil.rmtree(top)


def upload_as_image_user(data: Path) -> subprocess.CompletedProcess:
    mount = "/data"
    uploads = ENVIRONMENT["UPLOADS_DIR"].removeprefix(mount)
    originals = ENVIRONMENT["ORIGINALS_DIR"].removeprefix(mount)
    as_user = ["setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups"]
    return subprocess.run(
        [*as_user, sys.executable, "-c", UPLOAD, str(data), uploads, originals],
        cwd=ROOT, capture_output=True, text=True,
        env={"PATH": os.environ["PATH"], "SHOP_ENV": "development"}, timeout=120,
    )


def test_the_image_user_can_write_an_upload_to_the_volume(volume: Path):
    done = upload_as_image_user(volume)
    assert done.returncode == 0, done.stderr[-2000:]
    written = volume / "uploads" / done.stdout.strip().removeprefix("uploads/")
    assert written.exists() and written.stat().st_uid == UID
    assert any((volume / "originals" / "products").iterdir())


def test_a_root_owned_uploads_folder_would_refuse_it(volume: Path):
    os.chown(volume, 0, 0)  # the old image: static/uploads belonged to root
    done = upload_as_image_user(volume)
    assert done.returncode != 0 and "PermissionError" in done.stderr
