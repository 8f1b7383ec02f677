"""`make bench`: the shop's pages under gunicorn, timed by wrk against two ceilings.

For each database (a fresh SQLite file; PostgreSQL too when DATABASE_URL names one) it builds
catalogues of 100, 1,000 and 10,000 products, serves each with scripts/serve.sh (the same
gunicorn settings as `make run`) plus the bench-only ceiling page, and drives them with wrk
from another process on loopback. It prints requests per second and p50/p99 latency for every
target in bench/targets.py beside two ceilings, as ratios: the same page inside the shop's app
(the shop's per-request middleware counted in it too) and the bare ceiling, the same page in a
Flask app of its own (bench/bare.py) under its own gunicorn with the same workers. The goals
are checked against the bare one.

Each target is measured in ROUNDS short turns with both ceilings (bare, in-shop, target, …, and
a last bare), and its ratio to a ceiling is the median of the rounds' ratios, each against the
measurements next to it in time: this machine's speed drifts by half within a minute, and a
ratio of two measurements far apart in time measured the drift.

Settings (environment): BENCH_DURATION (seconds per measurement, default 2), BENCH_ROUNDS
(turns per target; default 5),
BENCH_CONNECTIONS (default 4), DATABASE_URL (add a PostgreSQL run; the benchmark works in its
own schemas there, bench_100 and so on, and drops them afterwards), WEB_CONCURRENCY,
BENCH_ORDERS (orders seeded into the 1,000-product database for the reports page; default
100,000, spread over the last year).
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote

from bench.targets import BENCH_TARGETS, CATALOGUE, HOME, Target

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CEILING = Target("ceiling", "/__bench__/ceiling")
#: The same page in bench/bare.py, served by BareServer.
BARE = Target("bare ceiling", "/__bench__/ceiling")
SIZES = (100, 1_000, 10_000)
MAIN_SIZE = 1_000
#: Orders in the main size's database, over the last year, for the reports page.
ORDERS = int(os.environ.get("BENCH_ORDERS", "100000"))
SCALE_TOLERANCE = 0.20
DURATION = int(os.environ.get("BENCH_DURATION", "2"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "4"))
#: Browsers always ask for compression, so the benchmark does too.
HEADERS = {"Accept-Encoding": "br, gzip"}


@dataclass
class Figure:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad_responses: int


def ensure_wrk() -> str:
    """wrk's path, installing Debian's package first when root and it is missing."""
    if path := shutil.which("wrk"):
        return path
    if os.geteuid() != 0:
        sys.exit("The benchmark needs wrk: sudo apt-get install -y wrk")
    print("Installing wrk (apt-get install -y wrk) ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, check=True)
    return shutil.which("wrk") or sys.exit("wrk did not install")


def machine() -> dict:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")),
               platform.processor())
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """The shop (bench.app) under gunicorn via scripts/serve.sh, on a free loopback port."""

    def __init__(self, database_url: str, log: Path) -> None:
        self.port = free_port()
        self.stream_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "PORT": str(self.port),
            "DATABASE_URL": database_url,
            "WSGI_APP": "bench.app:create_app()",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-secret"),
            # The limit is still checked on every API call, it just never refuses wrk.
            "API_RATE_LIMIT": "1000000000 per minute",
            # The chat row (bench/chat.py) opens 200 conversations from one address.
            "CHAT_STREAM_PORT": str(self.stream_port),
            "CHAT_NEW_CONVERSATIONS_PER_ADDRESS": "1000000 per minute",
            "CHAT_LIMIT_PER_ADDRESS": "1000000 per minute",
        }
        self.log = log.open("w")
        self.process = subprocess.Popen([str(ROOT / "scripts" / "serve.sh")], env=env, cwd=ROOT,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        wait_until_up(self, self.url + "/healthz", "gunicorn", log)

    def stop(self) -> None:
        stop_server(self)


class BareServer:
    """bench/bare.py under gunicorn with the shop's settings and worker count, nothing else."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
        command = [str(gunicorn) if gunicorn.exists() else "gunicorn", "bench.bare:create_app()",
                   "--config", "scripts/gunicorn.conf.py", "--bind", f"127.0.0.1:{self.port}",
                   "--workers", os.environ.get("WEB_CONCURRENCY", "3")]
        self.log = log.open("w")
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        wait_until_up(self, self.url + BARE.path, "the bare ceiling's gunicorn", log)

    def stop(self) -> None:
        stop_server(self)


def wait_until_up(server, url: str, name: str, log: Path) -> None:
    """Return once `url` answers; exit the benchmark if the server dies or a minute passes."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            sys.exit(f"{name} exited; see {log}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    sys.exit(f"{name} did not answer within a minute; see {log}")


def stop_server(server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
    server.log.close()


def answers(target: Target, url: str, body: dict, headers: dict[str, str]) -> bool:
    """Whether the target exists here: one request, answered with its status."""
    data = json.dumps(body).encode() if target.method != "GET" else None
    sent = {**headers, **({"Content-Type": "application/json"} if data else {})}
    request = urllib.request.Request(url, data=data, method=target.method, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status == target.status
    except urllib.error.HTTPError as error:
        return error.code == target.status
    except OSError:
        return False


def wrk(binary: str, target: Target, url: str, body: dict, seconds: int, scripts: Path,
        headers: dict[str, str]) -> Figure:
    command = [binary, "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for name, value in {**HEADERS, **headers}.items():
        command += ["-H", f"{name}: {value}"]
    if target.method != "GET":
        name = re.sub(r"\W+", "-", target.name)
        script = scripts / f"{name}.lua"
        script.write_text(
            f"wrk.method = {json.dumps(target.method)}\n"
            f"wrk.body = {json.dumps(json.dumps(body))}\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
        )
        command += ["-s", str(script)]
    for attempt in (1, 2):
        done = subprocess.run([*command, url], capture_output=True, text=True)
        if done.returncode == 0:
            return parse_wrk(done.stdout)
        said = done.stdout[-500:] + done.stderr[-500:]
        print(f"  wrk failed on {url} (attempt {attempt}): {said}", file=sys.stderr)
        time.sleep(1)
    sys.exit("wrk failed twice; see above")


def combine(figures) -> Figure:
    """Several measurements of one target as one: total requests over total time, and the
    median of their percentiles."""
    figures = list(figures)
    middle = lambda values: sorted(values)[len(values) // 2]  # noqa: E731
    return Figure(
        sum(f.requests for f in figures) / (len(figures) * DURATION),
        middle([f.p50_ms for f in figures]),
        middle([f.p99_ms for f in figures]),
        sum(f.requests for f in figures),
        sum(f.bad_responses for f in figures),
    )


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def parse_wrk(output: str) -> Figure:
    """Requests/s, p50, p99, the request count and non-2xx/3xx or socket errors from wrk."""
    latency = {m[0]: _ms(m[1], m[2]) for m in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$",
                                                           output, re.M)}
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    bad = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    bad += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    return Figure(rate, latency.get("50", 0.0), latency.get("99", 0.0), total, bad)


def database_urls(work: Path) -> dict[str, dict[int, str]]:
    """For each backend, one fresh database URL per catalogue size."""
    urls = {"SQLite": {n: f"sqlite:///{work / f'bench-{n}.sqlite3'}" for n in SIZES}}
    configured = os.environ.get("DATABASE_URL", "")
    if configured.startswith("postgresql"):
        _reset_schemas(configured, create=True)
        separator = "&" if "?" in configured else "?"
        urls["PostgreSQL"] = {
            n: f"{configured}{separator}options={quote(f'-csearch_path=bench_{n}')}" for n in SIZES
        }
    return urls


def drop_postgres_schemas() -> None:
    """Drop the schemas database_urls made in DATABASE_URL's PostgreSQL, if it named one."""
    configured = os.environ.get("DATABASE_URL", "")
    if configured.startswith("postgresql"):
        _reset_schemas(configured, create=False)


def _reset_schemas(url: str, create: bool) -> None:
    """Drop each catalogue size's schema in the PostgreSQL at `url`; then, if `create`, make
    it again, empty."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        for n in SIZES:
            conn.execute(text(f"DROP SCHEMA IF EXISTS bench_{n} CASCADE"))
            if create:
                conn.execute(text(f"CREATE SCHEMA bench_{n}"))
    engine.dispose()


def build(database_url: str, products: int) -> dict[str, str]:
    """Migrate and fill one database (in-process; the servers start afterwards).

    The main size's also gets ORDERS orders over the last year and the admin account the
    back-office targets sign in with.
    """
    from datetime import UTC, datetime

    from bench.seed import add_admin, seed_orders
    from bench.seed import build as fill
    from shop import create_app

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench-secret"})
    slugs = fill(app, products)
    if products == MAIN_SIZE:
        started = time.monotonic()
        seed_orders(app, ORDERS, datetime.now(UTC))
        add_admin(app)
        print(f"  seeded {ORDERS:,} orders in {time.monotonic() - started:.0f} s", flush=True)
    with app.app_context():
        from shop.extensions import db

        db.engine.dispose()
    return slugs


@dataclass(frozen=True)
class Turns:
    """A target measured in turns with both ceilings: bare, in-shop, target, bare, in-shop,
    target, …, bare. Each round's ratio is to the measurements beside it in time (the bare
    ceiling's before and after it, averaged; the in-shop ceiling's just before it)."""

    bare: list[Figure]  # one more than the rounds
    ceiling: list[Figure]
    target: list[Figure]

    def bare_ratios(self) -> list[float]:
        return [t.requests_per_second / ((b.requests_per_second + after.requests_per_second) / 2)
                for t, b, after in zip(self.target, self.bare, self.bare[1:], strict=False)]

    def ceiling_ratios(self) -> list[float]:
        return [t.requests_per_second / c.requests_per_second
                for t, c in zip(self.target, self.ceiling, strict=True)]


def row(target: Target, turns: Turns) -> str:
    """One target's line: its figures, each ceiling's rate and median ratio (and the bare
    ratio's range over the rounds), and the goal's verdict (held against the bare ceiling)."""
    figure, ceiling, bare = combine(turns.target), combine(turns.ceiling), combine(turns.bare)
    ratio = statistics.median(turns.ceiling_ratios())
    bare_ratios = turns.bare_ratios()
    bare_ratio = statistics.median(bare_ratios)
    if target.p50_goal_ms is not None:
        met = figure.p50_ms <= target.p50_goal_ms
        verdict = f"goal p50 ≤ {target.p50_goal_ms:.0f} ms {'ok' if met else 'MISSED'}"
    else:
        verdict = f"goal ≥ {target.goal:.2f} {'ok' if bare_ratio >= target.goal else 'MISSED'}"
    bad = figure.bad_responses + ceiling.bad_responses + bare.bad_responses
    warning = f"  ({bad} failed requests!)" if bad else ""
    spread = f"{min(bare_ratios):.2f}–{max(bare_ratios):.2f}"
    return (f"  {target.name:<14} {figure.requests_per_second:8.0f} {figure.p50_ms:8.1f} "
            f"{figure.p99_ms:8.1f}   {ceiling.requests_per_second:8.0f} {ratio:5.2f}   "
            f"{bare.requests_per_second:8.0f} {bare_ratio:5.2f} {spread:>9}  {verdict}{warning}")


def chat_row(server: Server, measure) -> dict:
    """The home page with 200 idle chat streams open, and a message's delivery under load."""
    from bench import chat

    found = chat.bench_streams(server.url, server.stream_port,
                               lambda: measure(HOME, server, MAIN_SIZE), ROUNDS)
    without, with_streams = combine(found["without"]), combine(found["with"])
    ratio = with_streams.requests_per_second / without.requests_per_second
    delays = found["delivery_ms"]
    verdict = "ok" if ratio >= chat.GOAL else "MISSED"
    p50, p99 = chat.percentile(delays, 0.5), chat.percentile(delays, 0.99)
    print(f"\n  home with {chat.STREAMS} idle chat streams open: "
          f"{with_streams.requests_per_second:.0f} req/s, without: "
          f"{without.requests_per_second:.0f} req/s; ratio {ratio:.2f} "
          f"(goal ≥ {chat.GOAL:.2f}) {verdict}")
    print(f"  a chat message's delivery under that load (POST sent → event received, "
          f"{len(delays)} messages, {found['lost']} lost): p50 {p50:.0f} ms, p99 {p99:.0f} ms")
    return {"without": asdict(without), "with": asdict(with_streams), "ratio": ratio,
            "goal": chat.GOAL, "delivery_ms": {"p50": p50, "p99": p99, "count": len(delays),
                                               "lost": found["lost"]}}


def bench_backend(name: str, urls: dict[int, str], binary: str, work: Path) -> dict:
    print(f"\n== {name}: building catalogues of {', '.join(f'{n:,}' for n in SIZES)} products ...",
          flush=True)
    slugs = {n: build(url, n) for n, url in urls.items()}
    servers = {n: Server(url, RESULTS / f"server-{name.lower()}-{n}.log")
               for n, url in urls.items()}
    bare = BareServer(RESULTS / f"server-{name.lower()}-bare.log")
    results: dict = {"backend": name, "targets": {}, "scale": {}}
    try:
        main = servers[MAIN_SIZE]
        from bench.seed import admin_cookie

        # Back-office targets are timed as a signed-in admin sees them.
        signed_in = {"Cookie": admin_cookie(main.url)}
        headers = lambda target: signed_in if target.admin else {}  # noqa: E731
        measure = lambda target, server, size, seconds=DURATION: wrk(  # noqa: E731
            binary, target, target.url(server.url, **slugs[size]),
            target.body(**slugs[size]), seconds, work, headers(target))
        # Warm every worker up (imports, connection pools, template compilation).
        for size, server in servers.items():
            for target in (CEILING, *BENCH_TARGETS) if size == MAIN_SIZE else (CATALOGUE,):
                url = target.url(server.url, **slugs[size])
                if url and answers(target, url, target.body(**slugs[size]), headers(target)):
                    measure(target, server, size, seconds=1)
        measure(BARE, bare, MAIN_SIZE, seconds=1)
        workers = os.environ.get("WEB_CONCURRENCY", "3")
        print(f"\n{name}, {MAIN_SIZE:,} products: gunicorn {workers} "
              f"workers, wrk 1 thread {CONNECTIONS} connections, {DURATION} s per measurement")
        print(f"  {'':<14} {'':>8} {'':>8} {'':>8}   {'in-shop ceiling':>14}   "
              f"{'bare ceiling':>24}")
        print(f"  {'target':<14} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}   {'req/s':>8} "
              f"{'ratio':>5}   {'req/s':>8} {'ratio':>5} {'rounds':>9}")
        for target in BENCH_TARGETS:
            url = target.url(main.url, **slugs[MAIN_SIZE])
            if not (url and answers(target, url, target.body(**slugs[MAIN_SIZE]),
                                    headers(target))):
                print(f"  {target.name:<14} n/a (not built yet)")
                results["targets"][target.name] = None
                continue
            # The ceilings and the target are measured in turns, so the machine's load (others
            # may share it) and its drift weigh on each round's figures alike.
            turns = Turns([measure(BARE, bare, MAIN_SIZE)], [], [])
            for _ in range(ROUNDS):
                turns.ceiling.append(measure(CEILING, main, MAIN_SIZE))
                turns.target.append(measure(target, main, MAIN_SIZE))
                turns.bare.append(measure(BARE, bare, MAIN_SIZE))
            print(row(target, turns))
            figure = combine(turns.target)
            results["targets"][target.name] = {
                "figure": asdict(figure), "ceiling": asdict(combine(turns.ceiling)),
                "ratio": statistics.median(turns.ceiling_ratios()),
                "bare_ceiling": asdict(combine(turns.bare)),
                "bare_ratio": statistics.median(turns.bare_ratios()),
                "bare_ratio_rounds": turns.bare_ratios(),
                "goal": target.goal, "p50_goal_ms": target.p50_goal_ms,
            }

        results["chat"] = chat_row(main, measure)

        # The catalogue at 100 and at 10,000 products, measured in turns so drift hits both.
        small, large = SIZES[0], SIZES[-1]
        rounds = {small: [], large: []}
        for _ in range(ROUNDS):
            for size in (small, large):
                rounds[size].append(measure(CATALOGUE, servers[size], size))
        rate = {size: combine(figures).requests_per_second for size, figures in rounds.items()}
        change = rate[large] / rate[small] - 1
        verdict = "ok" if abs(change) <= SCALE_TOLERANCE else "MISSED"
        print(f"\n  catalogue at {small:,} products: {rate[small]:.0f} req/s; at {large:,}: "
              f"{rate[large]:.0f} req/s; change {change:+.0%} (goal within ±{SCALE_TOLERANCE:.0%}) "
              f"{verdict}")
        results["scale"] = {"small": rate[small], "large": rate[large], "change": change,
                            "rounds": {k: [asdict(f) for f in v] for k, v in rounds.items()}}
    finally:
        bare.stop()
        for server in servers.values():
            server.stop()
    return results


def main() -> None:
    binary = ensure_wrk()
    RESULTS.mkdir(parents=True, exist_ok=True)
    info = machine()
    print(f"Machine: {info['nproc']} CPUs, {info['cpu']}, Python {info['python']}, "
          f"load average {info['load_average']}")
    report = {"machine": info, "duration_s": DURATION, "connections": CONNECTIONS, "runs": []}
    with tempfile.TemporaryDirectory(prefix="shop-bench-") as folder:
        work = Path(folder)
        try:
            for backend, urls in database_urls(work).items():
                report["runs"].append(bench_backend(backend, urls, binary, work))
        finally:
            drop_postgres_schemas()
    report["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=1))
    print(f"\nLoad average after: {report['machine']['load_average_after']}. "
          f"Full figures: {RESULTS / 'latest.json'}")


if __name__ == "__main__":
    main()
