"""The load test in one command: several `flask serve` processes and one `flask worker` on an
already generated organisation (PostgreSQL and Redis), 20 simulated people for 60 s, then 60 s
more while a real transcription runs; prints a table per page and overall for both runs, and
stops every process it started.

    COACHPROG_DEMO_PASSWORD=... .venv/bin/python bench/load_run.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/bench_large \\
        --redis-url redis://127.0.0.1:6379/9 --instance /work/bench_large_instance

The database must hold the demo and the large organisation (`flask seed --people 10000
--coaches 2000 --sessions 100000 --hour-entries 500000`); `--instance` is the instance folder
the seed used (its recordings store: the worker reads the audio from there). locust runs from
its own virtualenv (`--locust`, default /tmp/loadvenv/bin/locust; see docs/performance.md,
"Load"): it is a bench tool, not a project dependency.

Why `flask serve` processes rather than gunicorn: `flask serve` (waitress, threaded) is the
deployment the project ships and documents (docs/deployment.md: N web processes on one or more
hosts), gunicorn is not a dependency, and waitress's threads overlap the requests' database
waits inside one process. There is no proxy: each process listens on its own port and each
simulated person keeps to one of them (round robin, as a sticky balancer would), through
`COACHPROG_LOAD_HOSTS` read by bench/load.py.

The transcription: a 10-minute recording built from the shared LibriVox and JFK samples
(bench/transcription.py's builder), uploaded as coach@ through the recordings service
(`upload_recording`, which queues the job on Redis as the upload page does) to a session of
coach@'s demo engagement; a rerun transcribes the same recording again through
`retry_transcription`, so the database gains one session and one recording once. The second
run starts once the worker reports the recording as transcribing.

Sign-in limits are raised for the servers started here (20 people sign in from one address,
twice): the limiter is not what is measured.
"""

from __future__ import annotations

import argparse
import csv
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TMP = Path(tempfile.gettempdir())
RECORDING_NAME = "load-test-10-minutes.wav"
LOGIN_LIMIT = "100000 per minute"


def uptime() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} CPUs)"


def child_env(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "COACHPROG_DATABASE_URL": args.database_url,
        "COACHPROG_REDIS_URL": args.redis_url,
        "COACHPROG_INSTANCE_PATH": str(Path(args.instance).resolve()),
        "COACHPROG_LOGIN_LIMIT_ACCOUNT": LOGIN_LIMIT,
        "COACHPROG_LOGIN_LIMIT_IP": LOGIN_LIMIT,
        "PYTHONUNBUFFERED": "1",
    })
    return env


class Processes:
    """Every process this run started, stopped in reverse order (by their own ids)."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> None:
        log = (self.logs / f"{name}.log").open("wb")
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,  # noqa: S603 - ours
                                   stderr=subprocess.STDOUT)
        self.started.append((name, process))

    def stop(self) -> None:
        for _name, process in reversed(self.started):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for name, process in reversed(self.started):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                print(f"{name} (pid {process.pid}) did not stop in 20 s: killed", flush=True)
                process.kill()
                process.wait()

    def check_alive(self) -> None:
        for name, process in self.started:
            if process.poll() is not None:
                raise SystemExit(f"{name} stopped (exit {process.returncode}); see "
                                 f"{self.logs / (name + '.log')}")


def wait_for(url: str, processes: Processes, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        processes.check_alive()
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - http://127.0.0.1
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer in {seconds:.0f} s")


# --- the transcription, through the app's own services ----------------------------------------

def queue_transcription(args: argparse.Namespace) -> int:
    """Upload (first run) or transcribe again (reruns) coach@'s 10-minute recording; returns
    the recording's id once its job is queued on Redis (committed)."""
    import sqlalchemy as sa
    from transcription import build_recording

    from coachprog import create_app
    from coachprog.auth.models import User
    from coachprog.coaching.models import Engagement
    from coachprog.db import utcnow
    from coachprog.extensions import db
    from coachprog.governance.services import Origin, set_origin
    from coachprog.recordings import services
    from coachprog.recordings.models import CoachingSession, Recording
    from coachprog.seed.coaching import DEMO_GOALS

    os.environ.update(child_env(args))
    app = create_app()
    with app.app_context():
        set_origin(Origin(ip=None, via="cli"))
        coach = db.session.scalar(sa.select(User).where(User.email == "coach@demo.example"))
        engagement = db.session.scalar(sa.select(Engagement).where(
            Engagement.goals == DEMO_GOALS))
        if coach is None or engagement is None:
            raise SystemExit("coach@demo.example or its demo engagement is missing: seed the "
                             "demo first")
        existing = db.session.scalar(
            sa.select(Recording).join(CoachingSession).where(
                CoachingSession.engagement_id == engagement.id,
                Recording.original_name == RECORDING_NAME,
                Recording.storage_name.is_not(None)).order_by(Recording.id.desc()))
        if existing is not None:
            recording = services.retry_transcription(coach, existing.id)
        else:
            audio = Path(args.logs) / RECORDING_NAME
            build_recording(args.recording_minutes, audio, seed=20)
            session = services.create_session(
                coach, engagement.id, session_date=utcnow().date() - timedelta(days=1),
                duration_minutes=int(args.recording_minutes) + 1)
            with audio.open("rb") as stream:
                recording = services.upload_recording(
                    coach, session, services.Upload(RECORDING_NAME, stream))
        db.session.commit()
        return int(recording.id)


def recording_state(args: argparse.Namespace, recording_id: int) -> tuple[str, int]:
    import sqlalchemy as sa

    engine = sa.create_engine(args.database_url.replace("postgresql://",
                                                        "postgresql+psycopg://", 1))
    try:
        with engine.connect() as connection:
            row = connection.execute(sa.text(
                "SELECT status, progress FROM recordings WHERE id = :id"),
                {"id": recording_id}).one()
        return str(row[0]), int(row[1] or 0)
    finally:
        engine.dispose()


# --- locust and its figures -------------------------------------------------------------------

def run_locust(args: argparse.Namespace, hosts: list[str], prefix: Path,
               env: dict[str, str]) -> None:
    command = [args.locust, "-f", str(ROOT / "bench" / "load.py"), "--headless",
               "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.seconds}s",
               "--host", hosts[0], "--csv", str(prefix), "--only-summary"]
    locust_env = dict(env, COACHPROG_LOAD_HOSTS=",".join(hosts))
    with (prefix.parent / f"{prefix.name}.locust.log").open("wb") as log:
        subprocess.run(command, cwd=ROOT, env=locust_env, stdout=log,  # noqa: S603 - ours
                       stderr=subprocess.STDOUT, check=False, timeout=args.seconds + 120)


def read_stats(prefix: Path) -> dict[str, dict[str, str]]:
    path = Path(f"{prefix}_stats.csv")
    if not path.exists():
        raise SystemExit(f"locust wrote no {path}; see {prefix}.locust.log")
    with path.open() as handle:
        return {row["Name"]: row for row in csv.DictReader(handle)}


def cells(row: dict[str, str] | None) -> list[str]:
    if row is None:
        return ["", "", "", "", ""]
    return [f"{float(row['Requests/s']):.2f}", row["50%"], row["95%"],
            f"{float(row['Max Response Time']):.0f}",
            f"{row['Failure Count']}/{row['Request Count']}"]


def table(runs: list[tuple[str, dict[str, dict[str, str]]]]) -> str:
    names = sorted({name for _, stats in runs for name in stats} - {"Aggregated"})
    names.append("Aggregated")
    head = ["page"] + [f"{label} {column}" for label, _ in runs
                       for column in ("req/s", "p50 ms", "p95 ms", "max ms", "errors")]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in names:
        shown = "**overall**" if name == "Aggregated" else f"`{name}`"
        row = [shown] + [cell for _, stats in runs for cell in cells(stats.get(name))]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--instance", default=os.environ.get("COACHPROG_INSTANCE_PATH")
                        or str(ROOT / "instance"))
    parser.add_argument("--servers", type=int, default=3, help="flask serve processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per server")
    parser.add_argument("--base-port", type=int, default=5101)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--recording-minutes", type=float, default=10)
    parser.add_argument("--locust", default=str(TMP / "loadvenv" / "bin" / "locust"))
    parser.add_argument("--logs", default=str(TMP / "coachprog-load"),
                        help="folder for the processes' logs and locust's CSV files")
    parser.add_argument("--skip-transcription", action="store_true")
    args = parser.parse_args()
    if not os.environ.get("COACHPROG_DEMO_PASSWORD"):
        raise SystemExit("set COACHPROG_DEMO_PASSWORD (the password the seed gave the demo "
                         "logins)")
    if not Path(args.locust).exists():
        raise SystemExit(f"{args.locust} not found: python3.11 -m venv {TMP}/loadvenv && "
                         f"{TMP}/loadvenv/bin/pip install locust")
    logs = Path(args.logs)
    logs.mkdir(parents=True, exist_ok=True)
    env = child_env(args)
    flask = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi"]
    hosts = [f"http://127.0.0.1:{args.base_port + i}" for i in range(args.servers)]
    processes = Processes(logs)
    runs: list[tuple[str, dict[str, dict[str, str]]]] = []
    notes: list[str] = []
    try:
        for i in range(args.servers):
            processes.start(f"serve-{i + 1}", [*flask, "serve", "--threads", str(args.threads)],
                            dict(env, PORT=str(args.base_port + i), HOST="127.0.0.1"))
        # Periodic jobs (nightly purge, daily tick) are left off: not part of the measure.
        processes.start("worker", [*flask, "worker", "--workers", "2", "--no-periodic"], env)
        for host in hosts:
            wait_for(f"{host}/login", processes)
        print(f"{args.servers} x flask serve ({args.threads} threads) on {', '.join(hosts)}; "
              "1 x flask worker", flush=True)

        notes.append(f"steady: before {uptime()}")
        print(f"Run 1: {args.users} users, {args.seconds} s ({uptime()})", flush=True)
        run_locust(args, hosts, logs / "steady", env)
        notes[-1] += f"; after {uptime()}"
        runs.append(("steady", read_stats(logs / "steady")))
        processes.check_alive()

        if not args.skip_transcription:
            recording_id = queue_transcription(args)
            queued = time.monotonic()
            state = recording_state(args, recording_id)
            while state[0] == "queued" and time.monotonic() - queued < 120:
                time.sleep(0.5)
                state = recording_state(args, recording_id)
            if state[0] != "transcribing":
                raise SystemExit(f"recording {recording_id} is {state[0]}, not transcribing; "
                                 f"see {logs / 'worker.log'}")
            print(f"Run 2: the same while recording {recording_id} "
                  f"({args.recording_minutes:g} min) is transcribed ({uptime()})", flush=True)
            notes.append(f"transcribing: before {uptime()}")
            run_locust(args, hosts, logs / "transcribing", env)
            notes[-1] += f"; after {uptime()}"
            runs.append(("transcribing", read_stats(logs / "transcribing")))
            state = recording_state(args, recording_id)
            notes.append(f"transcription at the end of run 2: {state[0]}, {state[1]} %")
            while state[0] in ("queued", "transcribing") and time.monotonic() - queued < 900:
                time.sleep(2)
                state = recording_state(args, recording_id)
            notes.append(f"transcription: {state[0]} after {time.monotonic() - queued:.0f} s "
                         f"from queueing ({args.recording_minutes:g} min of audio)")
    finally:
        processes.stop()
    print()
    print(table(runs))
    print()
    for note in notes:
        print(f"- {note}")
    print(f"- logs and locust CSV files: {logs}")
    failures = sum(int(stats["Aggregated"]["Failure Count"]) for _, stats in runs)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
