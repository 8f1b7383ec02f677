"""Static files, fingerprinted, compressed and cached for a year, all worked out at start-up.

At start-up every file under static/ is read once per process (however many apps the process
creates, as the tests do): its content hash goes into its URL
(`css/shop.css` → `css/shop.3f2a1b9c0d4e.css`), and text files are compressed once with
Brotli and gzip. `url_for('static', filename=...)` builds the fingerprinted URL transparently
(a URL-defaults hook), so templates keep writing plain file names. A fingerprinted URL never
changes content, so it is served `immutable` with a year's max-age; a plain name still works
(for links from outside) but must be revalidated.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path

import brotli
from flask import Flask, Response, has_request_context, request

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, no-cache"
#: Files kept in memory (and compressed) when at most this big; larger ones stream from disk.
MAX_IN_MEMORY = 512 * 1024
COMPRESSIBLE = {"text/css", "text/javascript", "application/javascript", "image/svg+xml",
                "application/json", "text/plain", "application/manifest+json", "text/xml"}
_FINGERPRINT = re.compile(r"\.[0-9a-f]{12}(?=\.[^./]+$)")


@dataclass(frozen=True)
class Asset:
    """One static file as served: its bytes in each encoding, its type and validator."""

    filename: str
    fingerprinted: str
    mimetype: str
    etag: str
    encodings: dict[str, bytes]  # "identity", and "br"/"gzip" where they are smaller


class Manifest:
    """Every static file, keyed by its plain and its fingerprinted name."""

    def __init__(self, folder: Path) -> None:
        self.by_name: dict[str, Asset] = {}
        self.by_fingerprint: dict[str, Asset] = {}
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if path.stat().st_size > MAX_IN_MEMORY:
                continue  # served by Flask from disk, unfingerprinted
            asset = _load(folder, path)
            self.by_name[asset.filename] = asset
            self.by_fingerprint[asset.fingerprinted] = asset

    def url_name(self, filename: str) -> str:
        """The fingerprinted name for a plain static file name, or the name unchanged."""
        asset = self.by_name.get(filename)
        return asset.fingerprinted if asset else filename


@functools.cache
def manifest_of(folder: Path) -> Manifest:
    """The manifest of `folder`, built on first use and then kept for the process: Brotli at
    its best quality is slow, and the files do not change while the process serves them."""
    return Manifest(folder)


def _load(folder: Path, path: Path) -> Asset:
    body = path.read_bytes()
    filename = path.relative_to(folder).as_posix()
    digest = hashlib.sha256(body).hexdigest()[:12]
    stem, dot, suffix = filename.rpartition(".")
    fingerprinted = f"{stem}.{digest}.{suffix}" if dot and "/" not in suffix else filename
    mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    encodings = {"identity": body}
    if mimetype in COMPRESSIBLE:
        for name, packed in (("br", brotli.compress(body, quality=11)),
                             ("gzip", gzip.compress(body, compresslevel=9, mtime=0))):
            if len(packed) < len(body):
                encodings[name] = packed
    return Asset(filename, fingerprinted, mimetype, digest, encodings)


def _serve(asset: Asset, cache_control: str) -> Response:
    offered = [e for e in ("br", "gzip") if e in asset.encodings]
    encoding = request.accept_encodings.best_match(offered)
    body = asset.encodings[encoding or "identity"]
    response = Response(body, mimetype=asset.mimetype)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = cache_control
    response.set_etag(f"{asset.etag}-{encoding or 'identity'}")
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    """Route the `static` endpoint through the process's manifest of the app's static folder."""
    manifest = manifest_of(Path(app.static_folder or "").resolve())
    app.extensions["static_manifest"] = manifest
    send_from_disk = app.view_functions["static"]

    @app.url_defaults
    def fingerprint_static_urls(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = manifest.url_name(values["filename"])

    def static(filename: str) -> Response:
        if asset := manifest.by_fingerprint.get(filename):
            return _serve(asset, IMMUTABLE if asset.fingerprinted != asset.filename else REVALIDATE)
        if asset := manifest.by_name.get(filename):
            return _serve(asset, REVALIDATE)
        # A stale fingerprint (an old page after a deploy) must not get today's file cached
        # for a year under yesterday's name: serve the current file, revalidated.
        plain = _FINGERPRINT.sub("", filename)
        if plain != filename and (asset := manifest.by_name.get(plain)):
            return _serve(asset, REVALIDATE)
        return send_from_disk(filename=filename)

    app.view_functions["static"] = static

    # Templates build a dozen static URLs per page; each is known at start-up, so Jinja's
    # url_for answers those from a table and leaves every other URL to Flask.
    adapter = app.url_map.bind("localhost")
    paths = {name: adapter.build("static", {"filename": asset.fingerprinted})
             for name, asset in manifest.by_name.items()}
    flask_url_for = app.jinja_env.globals["url_for"]

    # The other URLs a page builds (a product's link on every card) repeat from page to page,
    # and werkzeug builds each afresh; the same endpoint and values always give the same path,
    # so those are kept too. Only plain ones: no relative endpoint (it depends on the current
    # blueprint) and no _external, _anchor and the like. Bounded by clearing when full.
    built: dict[tuple, str] = {}

    def url_for(endpoint: str, **values) -> str:
        if not has_request_context():
            return flask_url_for(endpoint, **values)
        if endpoint == "static" and len(values) == 1:
            path = paths.get(values.get("filename"))
            if path is not None:
                return request.script_root + path
        if endpoint.startswith(".") or any(name.startswith("_") for name in values):
            return flask_url_for(endpoint, **values)
        key = (request.script_root, endpoint, *sorted(values.items()))
        try:
            url = built.get(key)
        except TypeError:  # a list of values for one argument: not a key
            return flask_url_for(endpoint, **values)
        if url is None:
            url = flask_url_for(endpoint, **values)
            if len(built) >= 10_000:
                built.clear()
            built[key] = url
        return url

    app.jinja_env.globals["url_for"] = url_for
