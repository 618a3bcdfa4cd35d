"""Benchmark the respondent pages under gunicorn (2 workers) on PostgreSQL: page speed, save latency, a soak.

Prints `name: value` lines: page_rps_ratio (section page over /healthz, goal >= 0.30), save_p50_ms and
save_p99_ms (goal p99 < 50), soak_errors and soak_mismatches (goal 0 and 0), and the server's CPU time per
request (`*_server_cpu_ms`; a save cycle is the section GET and the save). Loopback only; uses its own
PostgreSQL database `bench_web` (created if missing, its tables dropped and recreated); stops by itself.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psycopg  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from survey import create_app  # noqa: E402
from survey.extensions import db  # noqa: E402
from survey.models import Answer, Base, Contact, Organisation, Response, Round  # noqa: E402
from survey.services import access, pledges, responses  # noqa: E402

SECRET = "bench-web-secret-key-that-is-long-enough-0123456789"
SECTION = "commitment-1"
FIELD_KEY = "c1.actions"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
REV_RE = re.compile(r'name="(rev__\w+)" value="(\d+)"')


@dataclass
class Respondent:
    """One organisation's response and the signed-in session cookie of its contact."""

    response_id: int
    token: str
    cookies: httpx.Cookies = field(default_factory=httpx.Cookies)

    @property
    def section_url(self) -> str:
        """The section page this respondent edits."""
        return f"/respond/{self.response_id}/sections/{SECTION}"


def ensure_database(server_url: str, name: str) -> str:
    """Create the benchmark database on the PostgreSQL server if missing; return its plain URL."""
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server_url}/{name}"


def _app(database_url: str) -> Any:
    """The app on the benchmark's own database, jobs inline."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": SECRET,
            "SQLALCHEMY_DATABASE_URI": database_url.replace("postgresql://", "postgresql+psycopg://", 1),
            "BASE_URL": "http://127.0.0.1",
            "REDIS_URL": None,
        }
    )


def fresh_schema() -> None:
    """Drop every table of the app's database (a migrated one's alembic_version too) and create the models' schema:
    each benchmark starts from the same empty database. Runs in an app context."""
    Base.metadata.drop_all(db.engine)
    db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.session.commit()
    Base.metadata.create_all(db.engine)


def seed(database_url: str, organisations: int) -> list[Respondent]:
    """A fresh schema with one open round, `organisations` organisations each with a response and a link."""
    app = _app(database_url)
    with app.app_context():
        fresh_schema()
        pledge = pledges.ensure_pledge()
        questionnaire = pledges.ensure_questionnaire(pledge)
        rnd = Round(
            pledge_id=pledge.id,
            number=1,
            name="Bench round",
            opens_on=date.today() - timedelta(days=7),
            deadline=date.today() + timedelta(days=30),
            questionnaire_version_id=questionnaire.id,
        )
        db.session.add(rnd)
        db.session.flush()
        people = []
        for i in range(organisations):
            org = Organisation(pledge_id=pledge.id, name=f"Bench Trust {i}", kind="nhs_mh_trust", region="London")
            db.session.add(org)
            db.session.flush()
            contact = Contact(
                organisation_id=org.id, name=f"Person {i}", role="Director", email=f"person{i}@bench.example"
            )
            resp = Response(round_id=rnd.id, organisation_id=org.id, reference=responses.new_reference())
            db.session.add_all([contact, resp])
            db.session.flush()
            people.append(Respondent(resp.id, access.create_invitation(resp, contact, days=7)))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return people


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(database_url: str, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    """Start gunicorn on the app factory and wait until /healthz answers."""
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "PLEDGE_DEMO", "MAIL_SERVER"}}
    env |= {"DATABASE_URL": database_url, "SECRET_KEY": SECRET, "BASE_URL": f"http://127.0.0.1:{port}"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(gunicorn), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "survey:create_app()"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}: see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    stop(proc)
    raise RuntimeError(f"gunicorn did not answer /healthz within 30 s: see {log}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn gracefully (SIGTERM to its master), killing it if it lingers."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def worker_rss_mib(master_pid: int) -> float:
    """The resident memory of gunicorn's largest worker, in MiB (workers are the master's children)."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
        sizes.append(kib / 1024)
    return max(sizes)


def server_cpu_seconds(master_pid: int, database: str) -> dict[int, float]:
    """CPU seconds used so far by each gunicorn worker and each PostgreSQL backend of the benchmark's database."""
    pids = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and f" {database} " in (entry / "cmdline").read_bytes().decode(errors="replace"):
                pids.append(entry.name)
        except OSError:
            continue
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it ended in between
        used[int(pid)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds the server used between two readings (a process started in between counts from zero)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def sign_in(base_url: str, people: Sequence[Respondent]) -> None:
    """Open each respondent's invitation link and keep the session cookie it sets."""
    for person in people:
        with httpx.Client(base_url=base_url, timeout=10) as client:
            reply = client.get(f"/r/{person.token}")
            if reply.status_code != 302:
                raise RuntimeError(f"invitation link answered {reply.status_code}")
            person.cookies = httpx.Cookies(client.cookies)  # keeps the host-only domain of the cookie


def in_threads(count: int, work: Callable[[int], None]) -> None:
    """Run work(0..count-1) in threads and wait for them all."""
    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def requests_per_second(
    base_url: str, path: str, cookies: httpx.Cookies, seconds: float, clients: int
) -> tuple[float, int]:
    """GET `path` from `clients` keep-alive clients for `seconds`; successful requests per second, and their count."""
    counts = [0] * clients
    failures = [0] * clients
    stop_at = time.perf_counter() + seconds

    def work(i: int) -> None:
        """One client GETting the path until the time is up."""
        with httpx.Client(base_url=base_url, cookies=httpx.Cookies(cookies), timeout=10) as client:
            while time.perf_counter() < stop_at:
                ok = client.get(path).status_code == 200
                counts[i] += ok
                failures[i] += not ok

    started = time.perf_counter()
    in_threads(clients, work)
    if sum(failures):
        raise RuntimeError(f"{sum(failures)} GETs of {path} failed")
    return sum(counts) / (time.perf_counter() - started), sum(counts)


def form_state(client: httpx.Client, person: Respondent) -> list[tuple[str, str]]:
    """GET the section page and return its CSRF token and answer revisions as form fields."""
    page = client.get(person.section_url)
    page.raise_for_status()
    token = CSRF_RE.search(page.text)
    if token is None:
        raise RuntimeError(f"no CSRF token on {person.section_url}")
    return [("csrf_token", token.group(1)), *REV_RE.findall(page.text)]


def save(client: httpx.Client, person: Respondent, state: list[tuple[str, str]], answer: str) -> httpx.Response:
    """POST "Save and come back later" with a new answer to "What have you done?"."""
    return client.post(person.section_url, data=dict([*state, ("actions", answer), ("action", "later")]))


@dataclass
class SaveLog:
    """Latencies, errors and the last acknowledged answer of every respondent."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    acknowledged: dict[int, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def saver(base_url: str, person: Respondent, seconds: float, think: float, log: SaveLog) -> None:
    """Save new answers for `seconds`, re-reading revisions after each save; log every outcome."""
    stop_at = time.perf_counter() + seconds
    n = 0
    pace = random.Random(person.response_id)  # people neither start nor pause in lockstep
    time.sleep(pace.uniform(0, think))
    with httpx.Client(base_url=base_url, cookies=httpx.Cookies(person.cookies), timeout=30) as client:
        while time.perf_counter() < stop_at:
            n += 1
            answer = f"Response {person.response_id}, save {n}: we met the community advisory board again."
            try:
                state = form_state(client, person)
                started = time.perf_counter()
                reply = save(client, person, state, answer)
                elapsed = time.perf_counter() - started
            except httpx.HTTPError as exc:
                with log.lock:
                    log.errors.append(f"{type(exc).__name__}: {exc}")
                continue
            location = reply.headers.get("location", "")
            with log.lock:
                log.latencies.append(elapsed)
                if reply.status_code == 302 and location.endswith(f"/respond/{person.response_id}/"):
                    log.acknowledged[person.response_id] = answer
                else:
                    log.errors.append(f"{reply.status_code} {location}")
            time.sleep(pace.uniform(0.5 * think, 1.5 * think))


def run_savers(base_url: str, people: Sequence[Respondent], seconds: float, think: float) -> SaveLog:
    """Every respondent saving concurrently, each in its own thread and session."""
    log = SaveLog()
    in_threads(len(people), lambda i: saver(base_url, people[i], seconds, think, log))
    return log


def percentile(values: Sequence[float], pct: float) -> float:
    """The pct-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def mismatches(database_url: str, people: Sequence[Respondent], acknowledged: dict[int, str]) -> int:
    """Respondents whose stored answer is not the last save the server acknowledged to them."""
    app = _app(database_url)
    with app.app_context():
        stored = dict(
            db.session.execute(
                select(Answer.response_id, Answer.value).where(
                    Answer.field_key == FIELD_KEY, Answer.response_id.in_([p.response_id for p in people])
                )
            ).all()
        )
        db.session.remove()
        db.engine.dispose()
    return sum(stored.get(p.response_id) != acknowledged.get(p.response_id) for p in people)


def measure(
    base_url: str, database_url: str, people: list[Respondent], args: argparse.Namespace, master_pid: int
) -> dict[str, Any]:
    """Run the three measurements against the running server and return the figures.

    Besides rates and latencies, the server's CPU time per request (gunicorn workers and PostgreSQL backends, read
    from /proc): on a machine shared with other work, rates and latencies follow its load, CPU time much less."""
    figures: dict[str, Any] = {}
    first = people[0]

    def cpu() -> dict[int, float]:
        return server_cpu_seconds(master_pid, "bench_web")

    requests_per_second(base_url, first.section_url, first.cookies, 1.0, args.clients)  # warm-up
    start = cpu()
    figures["healthz_rps"], count = requests_per_second(
        base_url, "/healthz", httpx.Cookies(), args.rps_seconds, args.clients
    )
    after = cpu()
    figures["healthz_server_cpu_ms"] = cpu_used(start, after) / count * 1000
    start = after
    figures["page_rps"], count = requests_per_second(
        base_url, first.section_url, first.cookies, args.rps_seconds, args.clients
    )
    after = cpu()
    figures["page_server_cpu_ms"] = cpu_used(start, after) / count * 1000
    start = after
    figures["page_rps_ratio"] = figures["page_rps"] / figures["healthz_rps"]
    latency = run_savers(base_url, people[1 : 1 + args.savers], args.save_seconds, args.save_think_ms / 1000)
    figures["save_cycle_server_cpu_ms"] = cpu_used(start, cpu()) / max(1, len(latency.latencies)) * 1000
    figures["save_think_ms"] = args.save_think_ms
    figures["save_count"] = len(latency.latencies)
    figures["save_p50_ms"] = statistics.median(latency.latencies) * 1000
    figures["save_p99_ms"] = percentile(latency.latencies, 99) * 1000
    figures["save_errors"] = len(latency.errors)
    soakers = people[1 + args.savers : 1 + args.savers + args.soak_respondents]
    soak = run_savers(base_url, soakers, args.soak_seconds, args.think_ms / 1000)
    figures["soak_respondents"] = len(soakers)
    figures["soak_saves"] = len(soak.latencies)
    figures["soak_p99_ms"] = percentile(soak.latencies, 99) * 1000
    figures["soak_errors"] = len(soak.errors)
    figures["soak_mismatches"] = mismatches(database_url, soakers, soak.acknowledged)
    if soak.errors:
        figures["soak_first_error"] = soak.errors[0]
    return figures


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line: sizes and durations, with --quick for a short run."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short durations (about a minute in all)")
    parser.add_argument(
        "--pg",
        default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432"),
        help="PostgreSQL server URL without a database name",
    )
    parser.add_argument("--organisations", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--clients", type=int, default=8, help="concurrent keep-alive clients for the rps figures")
    parser.add_argument("--rps-seconds", type=float, default=None, help="seconds per rps measurement (10)")
    parser.add_argument("--savers", type=int, default=50, help="concurrent respondents for save latency")
    parser.add_argument("--save-seconds", type=float, default=None, help="seconds of saving for latency (20)")
    parser.add_argument("--soak-respondents", type=int, default=200)
    parser.add_argument("--soak-seconds", type=float, default=None, help="seconds of the soak (120)")
    parser.add_argument(
        "--think-ms",
        type=float,
        default=250.0,
        help="soak: pause after each save and re-read (default 250 ms, a stress pace)",
    )
    parser.add_argument(
        "--save-think-ms",
        type=float,
        default=2000.0,
        help="save latency: pause after each save, ±50%%, as people save (default 2,000 ms)",
    )
    parser.add_argument("--log", type=Path, default=Path("/tmp/bench_web_gunicorn.log"))
    args = parser.parse_args(argv)
    quick = args.quick
    args.rps_seconds = args.rps_seconds or (3.0 if quick else 10.0)
    args.save_seconds = args.save_seconds or (5.0 if quick else 20.0)
    args.soak_seconds = args.soak_seconds or (20.0 if quick else 120.0)
    needed = 1 + args.savers + args.soak_respondents
    if args.organisations < needed:
        parser.error(f"--organisations must be at least {needed} (1 + savers + soak respondents)")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Seed, start gunicorn, measure, stop, and print `name: value` lines; non-zero when a goal is missed."""
    args = parse_args(argv)
    database_url = ensure_database(args.pg.rstrip("/"), "bench_web")
    people = seed(database_url, args.organisations)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    proc = start_gunicorn(database_url, port, args.workers, args.log)
    try:
        sign_in(base_url, people)
        figures = measure(base_url, database_url, people, args, proc.pid)
        figures["web_worker_rss_mib"] = worker_rss_mib(proc.pid)  # after every page has been served
    finally:
        stop(proc)
    print(f"organisations: {args.organisations}")
    print(f"gunicorn_workers: {args.workers}")
    for name, value in figures.items():
        print(f"{name}: {value:.3f}" if isinstance(value, float) else f"{name}: {value}")
    return 0 if figures["soak_errors"] == 0 and figures["soak_mismatches"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
