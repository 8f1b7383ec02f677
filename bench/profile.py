"""`python -m bench.profile`: the benchmark's targets in-process, one request at a time.

A steadier measure than wrk on a shared machine: it builds the 1,000-product SQLite shop the
benchmark builds, warms the app, then times each target through Flask's test client with no
cookie (every request a first visit, as wrk's are; `--cookie` for a returning visitor) and
prints the process's CPU milliseconds per request, the best of several batches: CPU time, not
wall time, so other jobs on a shared machine barely move it. The bare and in-shop ceilings
are timed the same way. `--profile NAME` prints cProfile's top functions for one target.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import os
import pstats
import tempfile
import time
from pathlib import Path

from bench.run import BARE, CEILING
from bench.targets import ARTICLE, BASKET_ADD, CATALOGUE, HOME, PRODUCT

TARGETS = {t.name: t for t in (CEILING, HOME, CATALOGUE, PRODUCT, ARTICLE, BASKET_ADD)}
HEADERS = {"Accept-Encoding": "br, gzip"}


def build_app(folder: Path, products: int = 1_000):
    """The shop as the benchmark serves it, over a fresh SQLite catalogue; (app, slugs)."""
    from bench.app import create_app as with_ceiling
    from bench.seed import build
    from shop import create_app

    config = {"DATABASE_URL": f"sqlite:///{folder / 'profile.sqlite3'}",
              "SECRET_KEY": "bench-secret", "API_RATE_LIMIT": "1000000000 per minute"}
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    slugs = build(create_app(config), products)
    # Alembic's migration set up logging for its own run; a served app never sees that.
    root.handlers[:], root.level = handlers, level
    for key, value in config.items():
        os.environ.setdefault(key, value)
    return with_ceiling(), slugs


def caller(app, slugs, cookie: bool = False):
    """A function sending one target's request and checking its status."""
    from bench.bare import create_app as bare_app

    client = app.test_client(use_cookies=cookie)
    bare = bare_app().test_client(use_cookies=False)

    def send(target) -> None:
        if target is BARE:
            bare.get(target.path, headers=HEADERS).close()
            return
        path = target.path.format(**slugs)
        if target.method == "GET":
            response = client.get(path, headers=HEADERS)
        else:
            response = client.open(path, method=target.method, json=target.body(**slugs),
                                   headers=HEADERS)
        assert response.status_code == target.status, (target.name, response.status_code)
        response.close()

    return send


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200, help="per batch")
    parser.add_argument("--batches", type=int, default=15)
    parser.add_argument("--profile", choices=sorted(TARGETS), help="cProfile one target")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--cookie", action="store_true",
                        help="a returning visitor: send the first answer's session cookie")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="shop-profile-") as folder:
        app, slugs = build_app(Path(folder))
        send = caller(app, slugs, args.cookie)
        if args.cookie:  # one basket would fill up: its adds are a first visit's anyway
            TARGETS.pop(BASKET_ADD.name)
        for target in (BARE, *TARGETS.values()):
            for _ in range(50):
                send(target)
        if args.profile:
            target = TARGETS[args.profile]
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.requests):
                send(target)
            profiler.disable()
            stats = pstats.Stats(profiler).strip_dirs().sort_stats("cumulative")
            stats.print_stats(args.top)
            stats.sort_stats("tottime").print_stats(args.top)
            return
        for name, target in {BARE.name: BARE, **TARGETS}.items():
            best = float("inf")
            for _ in range(args.batches):
                started = time.process_time()
                for _ in range(args.requests):
                    send(target)
                best = min(best, (time.process_time() - started) / args.requests)
            print(f"{name:<16} {best * 1000:6.3f} ms per request", flush=True)


if __name__ == "__main__":
    main()
