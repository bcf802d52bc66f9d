"""Throughput of the event finder and the calendar feed, as a ratio to a bare "hello" view.

    .venv/bin/python bench/run.py [--db sqlite|postgres] [--seconds N] [--rounds N]

Generates 10,000 events over 100 agencies (bench/generate.py), starts the real production
server (`openbeat serve`: gunicorn, gthread) on a free 127.0.0.1 port and measures requests per
second of /bench/hello, /events/ and /events.ics with a load generator on loopback (wrk, or a
threaded Python client when wrk is not installed). Runs are interleaved (hello, finder, feed,
hello, ...) and every page is divided by the mean of the hello runs just before and after it, so
a noisy shared machine moves both sides of each ratio together. The goal is a ratio of at least
0.5. Beside req/s it reads the server's CPU time per request from /proc, which other load on a
shared machine disturbs less. It also counts SQL queries per page in-process (the test client on
the same data), then compares `openbeat serve` with plain gunicorn and with granian, each with
and without an access log, on /bench/hello and /events/ (--no-compare skips that).

Results are printed and written to bench/results/<date>-<db>.json. Every loop is bounded;
traffic goes to 127.0.0.1 only; servers started here are stopped here.
"""

import argparse
import dataclasses
import datetime
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402

GOAL = 0.5
HELLO, FINDER, FEED = "/bench/hello", "/events/", "/events.ics"
PAGES = [FINDER, FEED]


@dataclasses.dataclass(frozen=True)
class Target:
    """What one load run asks for. A plain GET is just its path (a str works as well).

    `label` names it in the results (the path, for GETs). A POST or any request that changes
    from one request to the next is a wrk Lua `script` (with `script_args`), and for the Python
    load generator a `make_request()` returning (method, path, headers, body). `probe(server)`
    times one unloaded request, for planning the run's length (default: GET the path).
    """

    path: str
    label: str = ""
    goal: float = GOAL
    script: Path | None = None
    script_args: tuple = ()
    make_request: object = None
    probe: object = None

    @property
    def name(self):
        return self.label or self.path


def as_target(page):
    return page if isinstance(page, Target) else Target(page)


# ---------------------------------------------------------------- servers


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env():
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


class Server:
    """A server process group started here, and stopped here (by its own process group id)."""

    def __init__(self, name, argv, port, log_dir):
        self.name, self.argv, self.port = name, argv, port
        self.log_path = Path(log_dir) / f"server-{name}.log"
        self.proc = None

    def cpu_by_process(self):
        """{pid: (parent pid, user and system CPU seconds so far)} of the server's processes
        (its session)."""
        found = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
            except OSError:  # the process has gone
                continue
            fields = text[text.rindex(")") + 2 :].split()
            if int(fields[3]) == self.proc.pid:  # session id: start_new_session made it ours
                ticks = int(fields[11]) + int(fields[12])
                found[int(stat.parent.name)] = (int(fields[1]), ticks / os.sysconf("SC_CLK_TCK"))
        return found

    def cpu_seconds(self):
        """User and system CPU time used so far by the server's processes (its session)."""
        return sum(cpu for _parent, cpu in self.cpu_by_process().values())

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self, timeout=90):
        log = open(self.log_path, "wb")  # noqa: SIM115 - closed with the process in stop()
        self._log = log
        self.proc = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            env=server_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.url(HELLO), timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {timeout}s; see {self.log_path}")

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self._log.close()


def openbeat_serve(workers, threads, log_dir):
    """The production server as shipped: gunicorn, gthread, access log on stdout."""
    port = free_port()
    openbeat = Path(sys.executable).parent / "openbeat"
    argv = [
        str(openbeat),
        "serve",
        "--addr",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]
    return Server("openbeat-serve", argv, port, log_dir)


def gunicorn_server(workers, threads, log_dir):
    """gunicorn as `openbeat serve` runs it, less the access log."""
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    argv = [
        str(gunicorn),
        "--worker-class",
        "gthread",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "openbeat.wsgi:application",
    ]
    return Server("gunicorn", argv, port, log_dir)


def granian_server(workers, threads, log_dir, access_log=False):
    port = free_port()
    granian = Path(sys.executable).parent / "granian"
    argv = [
        str(granian),
        "--interface",
        "wsgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        *(["--access-log"] if access_log else []),
        "openbeat.wsgi:application",
    ]
    return Server("granian+log" if access_log else "granian", argv, port, log_dir)


# ---------------------------------------------------------------- load generators


def fetch(url, timeout=120):
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        body = response.read()
        return response.status, len(body), time.perf_counter() - started


# Browsers and calendar apps all ask for compressed answers; so does the load generator.
CLIENT_HEADERS = {"Accept-Encoding": "gzip"}


# Every run's wrk script: a distinct path per request when given paths, else the URL's; and a
# new connection every 100 requests (see its comment).
DISTINCT = Path(__file__).resolve().parent / "distinct.lua"


def wrk_load(url, seconds, connections, script=None, script_args=()):
    headers = [arg for name, value in CLIENT_HEADERS.items() for arg in ("-H", f"{name}: {value}")]
    argv = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds:.0f}s",
        "--timeout",
        "120s",
        "--latency",
        *headers,
        "-s",
        str(script or DISTINCT),
        url,
        *(["--", *map(str, script_args)] if script_args else []),
    ]
    out = subprocess.run(
        argv, capture_output=True, text=True, timeout=seconds + 180, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    done = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:(.*)", out)
    return {
        "rps": rps,
        "requests": done,
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1).strip() if errors else "",
        **{f"p{p}_ms": _latency_ms(out, p) for p in (50, 99)},
    }


def _latency_ms(out, percentile):
    """A percentile from wrk's --latency distribution ("99%   12.34ms"), in milliseconds."""
    found = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
    if found is None:
        return None
    return round(float(found.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[found.group(2)], 2)


def python_load(url, seconds, connections, make_request=None):
    """Fallback without wrk: keep-alive clients in threads; counts every completed request."""
    host_port, path = url.split("://", 1)[1].split("/", 1)
    host, port = host_port.split(":")
    deadline = time.monotonic() + seconds
    counts, bad = [0] * connections, [0] * connections
    lock = threading.Lock()

    def client(slot):
        conn = http.client.HTTPConnection(host, int(port), timeout=120)
        while time.monotonic() < deadline:
            if make_request is None:
                conn.request("GET", "/" + path, headers=CLIENT_HEADERS)
            else:
                with lock:
                    method, target, headers, body = make_request()
                conn.request(method, target, body=body, headers={**CLIENT_HEADERS, **headers})
            response = conn.getresponse()
            response.read()
            counts[slot] += 1
            bad[slot] += not 200 <= response.status < 400
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {
        "rps": sum(counts) / elapsed,
        "requests": sum(counts),
        "non_2xx": sum(bad),
        "socket_errors": "",
    }


def load(url, seconds, connections, warm_up=False, target=None):
    target = as_target(target or url)
    if shutil.which("wrk"):
        result = wrk_load(url, seconds, connections, target.script, target.script_args)
    else:
        result = python_load(url, seconds, connections, target.make_request)
    if result["non_2xx"] or result["socket_errors"] or not (result["requests"] or warm_up):
        raise RuntimeError(f"{url}: {result}")
    return result


# A run whose kept-alive connections all landed on one of the web workers measures one worker;
# it is run again, up to BALANCE_TRIES times, until each worker did MIN_WORKER_SHARE of the work.
BALANCE_TRIES, MIN_WORKER_SHARE = 4, 0.25


def plan_runs(server, paths, seconds, connections, workers):
    """How long to load each path, and how long to wait after, from its unloaded latency.

    wrk counts only the requests that finish inside a run, so a slow page runs long enough for
    about ten loaded round trips (at most 60 s). The requests still in flight when wrk stops go
    on using the CPU, so each run is followed by a pause that lets them finish before the next.
    """
    plan = {}
    for page in map(as_target, paths):
        if page.probe is not None:
            latency = sorted(page.probe(server) for _ in range(3))[1]
        else:
            latency = sorted(fetch(server.url(page.path))[2] for _ in range(3))[1]
        loaded = latency * max(connections / workers, 1)
        plan[page.name] = {
            "seconds": max(seconds, min(60.0, 10 * loaded)),
            "drain": min(60.0, 1.5 * loaded + 0.2),
        }
    return plan


def timed_run(server, page, plan, connections, warm_up=False):
    """One load run; adds the server's CPU milliseconds per completed request.

    CPU time is a second view that a busy shared machine disturbs less than req/s: other
    processes steal wall-clock time from the server, but not much of its CPU time. It is read as
    the run ends, so it includes part of the work on requests still in flight (a few per cent
    for the slow pages, whose runs are long for that reason).
    """
    page = as_target(page)
    step = plan[page.name]
    seconds = min(step["seconds"], 3) if warm_up else step["seconds"]
    for attempt in range(1, BALANCE_TRIES + 1):
        before = server.cpu_by_process()
        result = load(server.url(page.path), seconds, connections, warm_up=warm_up, target=page)
        after = server.cpu_by_process()
        cpu = sum(c for _p, c in after.values()) - sum(c for _p, c in before.values())
        result["cpu_ms_per_request"] = round(1000 * cpu / max(result["requests"], 1), 3)
        result["load_average"] = round(os.getloadavg()[0], 2)  # the machine is shared
        shares = worker_shares(server, before, after)
        result["worker_shares"] = shares
        time.sleep(step["drain"])
        if warm_up or len(shares) < 2 or min(shares) >= MIN_WORKER_SHARE:
            break
        # wrk's few kept-alive connections all went to one worker: not how many clients load a
        # server. Run again (on new paths, for the miss cases); say how often.
        result["one_sided_runs_before"] = attempt
    return result


def worker_shares(server, before, after):
    """Each web worker's share of the workers' CPU time between two readings."""
    used = {
        pid: cpu - before.get(pid, (parent, 0.0))[1]
        for pid, (parent, cpu) in after.items()
        if parent == server.proc.pid
    }
    total = sum(used.values())
    return sorted(round(u / total, 3) for u in used.values()) if total > 0 else []


# ---------------------------------------------------------------- in-process context


def page_costs(paths, repeats=5):
    """SQL queries, response size and in-process time per page, with Django's test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    costs = {}
    for path in paths:
        client.get(path)  # warm caches (templates, URL resolvers, translations)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
            # Copy now: the next request clears the connection's query log.
            queries = list(captured.captured_queries)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            client.get(path)
            times.append(time.perf_counter() - started)
        costs[path] = {
            "queries": len(queries),
            "sql_ms": round(sum(float(q["time"]) for q in queries) * 1000, 1),
            "bytes": len(response.content),
            "in_process_ms": round(statistics.median(times) * 1000, 2),
        }
    return costs


# ---------------------------------------------------------------- measurements


def measure_pages(
    server, seconds, rounds, connections, workers, pages=PAGES, hello_between="round"
):
    """Load runs interleaved with hello runs; each page run is divided by the hello runs around it.

    hello_between="round": hello, finder, feed, hello, finder, feed, ..., hello (few pages).
    hello_between="page": hello, page 1, hello, page 2, hello, ... (many pages, or long ones:
    every page run then sits right between two hello runs).
    The ratio of a page run is its req/s over the mean req/s of the nearest hello run before and
    after it; the median over the rounds is reported. `pages` are paths or Targets.
    """
    pages = [as_target(p) for p in pages]
    hello = Target(HELLO)
    plan = plan_runs(server, [hello, *pages], seconds, connections, workers)
    for page in [hello, *pages]:  # warm-up under load, not recorded
        timed_run(server, page, plan, connections, warm_up=True)
    schedule = []
    for _ in range(rounds):
        if hello_between == "page":
            for page in pages:
                schedule += [hello, page]
        else:
            schedule += [hello, *pages]
    schedule.append(hello)
    runs = {page.name: [] for page in [hello, *pages]}
    sequence = []  # (name, run) in the order they ran
    for page in schedule:
        run = timed_run(server, page, plan, connections)
        runs[page.name].append(run)
        sequence.append((page.name, run))
        _progress(server, page.name, run)

    summary = {
        HELLO: {
            "rps": _median(runs[HELLO]),
            "ratio": 1.0,
            "cpu_ms": _median(runs[HELLO], "cpu_ms_per_request"),
            "cpu_ratio": 1.0,
        }
    }
    around = {}  # id of a page run -> the hello runs just before and after it
    for index, (name, run) in enumerate(sequence):
        if name != HELLO:
            before = next(r for n, r in reversed(sequence[:index]) if n == HELLO)
            after = next(r for n, r in sequence[index + 1 :] if n == HELLO)
            around[id(run)] = (before, after)
    for page in pages:
        hellos = [around[id(run)] for run in runs[page.name]]
        ratios = [
            run["rps"] / statistics.mean(h["rps"] for h in pair)
            for run, pair in zip(runs[page.name], hellos, strict=True)
        ]
        cpu_ratios = [
            statistics.mean(h["cpu_ms_per_request"] for h in pair)
            / max(run["cpu_ms_per_request"], 1e-9)
            for run, pair in zip(runs[page.name], hellos, strict=True)
        ]
        ratio = statistics.median(ratios)
        summary[page.name] = {
            "rps": _median(runs[page.name]),
            "ratio": ratio,
            "ratios": ratios,
            "goal": page.goal,
            "pass": ratio >= page.goal,
            "cpu_ms": _median(runs[page.name], "cpu_ms_per_request"),
            "cpu_ratio": statistics.median(cpu_ratios),
        }
        if all(run.get("p99_ms") is not None for run in runs[page.name]):
            summary[page.name]["p50_ms"] = _median(runs[page.name], "p50_ms")
            summary[page.name]["p99_ms"] = _median(runs[page.name], "p99_ms")
    return {"plan": plan, "runs": runs, "summary": summary}


def compare_servers(servers, paths, seconds, rounds, connections, workers):
    """The same paths on each server, alternating servers run by run; ratios to the first."""
    first = servers[0]
    plan = plan_runs(first, paths, seconds, connections, workers)
    for server in servers:
        for path in paths:
            timed_run(server, path, plan, connections, warm_up=True)
    runs = {s.name: {p: [] for p in paths} for s in servers}
    for _ in range(rounds):
        for path in paths:
            for server in servers:
                runs[server.name][path].append(timed_run(server, path, plan, connections))
                _progress(server, path, runs[server.name][path][-1])
    summary = {}
    for server in servers:
        summary[server.name] = {
            "command": " ".join(Path(server.argv[0]).name.split() + server.argv[1:])
        }
        for path in paths:
            pairs = list(zip(runs[server.name][path], runs[first.name][path], strict=True))
            summary[server.name][path] = {
                "rps": _median(runs[server.name][path]),
                "ratio": statistics.median(mine["rps"] / theirs["rps"] for mine, theirs in pairs),
                "cpu_ms": _median(runs[server.name][path], "cpu_ms_per_request"),
            }
    return {"baseline": first.name, "plan": plan, "runs": runs, "summary": summary}


def _median(runs, key="rps"):
    return statistics.median(run[key] for run in runs)


def _progress(server, path, run):
    print(
        f"  {server.name:<15} {path:<14} {run['rps']:>9.1f} req/s "
        f"{run['cpu_ms_per_request']:>9.2f} CPU ms/request ({run['requests']} requests)"
        f" workers {'/'.join(f'{s:.2f}' for s in run.get('worker_shares', []))}"
        + (
            f", {run['one_sided_runs_before']} one-sided before"
            if "one_sided_runs_before" in run
            else ""
        ),
        flush=True,
    )


# ---------------------------------------------------------------- report


def print_table(summary, costs, width=14):
    print()
    print(
        f"{'path':<{width}} {'req/s':>9} {'× hello':>9} {'goal':>5} {'result':>6} "
        f"{'CPU ms/req':>10} {'× hello':>9} {'queries':>7} {'bytes':>8} {'in-proc ms':>10}"
    )
    for path, row in summary.items():
        cost = costs.get(path, {})
        verdict = "" if path == HELLO else ("pass" if row["pass"] else "FAIL")
        goal = "" if path == HELLO else f"{row.get('goal', GOAL):.1f}×"
        print(
            f"{path:<{width}} {row['rps']:>9.1f} {row['ratio']:>8.4f}× {goal:>5} {verdict:>6} "
            f"{row['cpu_ms']:>10.2f} {row['cpu_ratio']:>8.4f}× {cost.get('queries', ''):>7} "
            f"{cost.get('bytes', ''):>8} {cost.get('in_process_ms', ''):>10}"
        )
    print(
        "req/s, CPU ms/req and their ratios to hello: medians over the rounds, over HTTP.\n"
        "queries, bytes, in-proc ms: Django's test client in this process, same data."
    )


def print_comparison(comparison):
    summary = comparison["summary"]
    names = list(summary)
    paths = [p for p in summary[names[0]] if p.startswith("/")]
    print(
        f"\nreq/s (× {comparison['baseline']}, same run) and server CPU ms/request, "
        "medians of the rounds"
    )
    print(f"{'server':<15} " + " ".join(f"{p:>32}" for p in paths))
    for name in names:
        cells = " ".join(
            f"{summary[name][p]['rps']:>10.1f} ({summary[name][p]['ratio']:.2f}×) "
            f"{summary[name][p]['cpu_ms']:>7.2f} CPU ms"
            for p in paths
        )
        print(f"{name:<15} {cells}")


def environment(db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "select sqlite_version()" if connection.vendor == "sqlite" else "show server_version"
        )
        db_version = cursor.fetchone()[0]
    import importlib.metadata

    import django
    import gunicorn

    try:
        granian_version = importlib.metadata.version("granian")  # pip install -e ".[bench]"
    except importlib.metadata.PackageNotFoundError:
        granian_version = None

    return {
        "db": db,
        "db_version": db_version,
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "granian": granian_version,
        "cpus": os.cpu_count(),
        "load_generator": "wrk" if shutil.which("wrk") else "python threads",
    }


def add_load_arguments(parser):
    """The load options every benchmark here shares (the server, the load, the output)."""
    parser.add_argument(
        "--seconds",
        type=float,
        default=5.0,
        help="length of one load run (slow pages run longer); default 5",
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; default 3")
    parser.add_argument(
        "--connections", type=int, default=4, help="concurrent keep-alive connections; default 4"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--no-generate", action="store_true", help="reuse the existing data")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a page misses the goal ratio"
    )
    parser.add_argument("--output", type=Path, help="JSON file; default bench/results/...")


def check_load_arguments(parser, args):
    if not 1 <= args.rounds <= 20 or not 1 <= args.seconds <= 120:
        parser.error("--rounds must be 1..20 and --seconds 1..120")
    if not 1 <= args.connections <= 256:
        parser.error("--connections must be 1..256")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=sorted(generate.DATABASE_URLS), default="sqlite")
    add_load_arguments(parser)
    parser.add_argument("--no-compare", action="store_true", help="skip gunicorn vs granian")
    args = parser.parse_args(argv)
    check_load_arguments(parser, args)

    generate.use_database(args.db)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    began = time.perf_counter()
    data = None
    if args.no_generate:
        generate.migrate()
    else:
        print(f"Generating on {args.db} ...", flush=True)
        generate.reset_database()
        generate.migrate()
        data = generate.generate()
        print(f"  {data} in {time.perf_counter() - began:.0f}s", flush=True)
    call_command("collectstatic", interactive=False, verbosity=0)
    costs = page_costs([HELLO, *PAGES])
    env = environment(args.db)
    connections.close_all()

    log_dir = settings.DATA_DIR
    servers = [openbeat_serve(args.workers, args.threads, log_dir)]
    if not args.no_compare:
        servers += [
            granian_server(args.workers, args.threads, log_dir, access_log=True),
            gunicorn_server(args.workers, args.threads, log_dir),
            granian_server(args.workers, args.threads, log_dir),
        ]
    comparison = None
    try:
        servers[0].start()  # `openbeat serve` migrates and collects static files first
        for server in servers[1:]:
            server.start()
        print(
            f"Measuring openbeat serve (gunicorn gthread, {args.workers} workers × "
            f"{args.threads} threads), {args.connections} connections, "
            f"{env['load_generator']} ...",
            flush=True,
        )
        pages = measure_pages(servers[0], args.seconds, args.rounds, args.connections, args.workers)
        if not args.no_compare:
            print("Comparing servers ...", flush=True)
            comparison = compare_servers(
                servers, [HELLO, FINDER], args.seconds, args.rounds, args.connections, args.workers
            )
    finally:
        for server in servers:
            server.stop()

    print_table(pages["summary"], costs)
    if comparison:
        print_comparison(comparison)
    result = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "environment": env,
        "data": data,
        "goal_ratio": GOAL,
        "server": {
            "command": "openbeat serve",
            "workers": args.workers,
            "threads": args.threads,
            "connections": args.connections,
            "rounds": args.rounds,
        },
        "pages": pages,
        "page_costs": costs,
        "server_comparison": comparison,
    }
    output = args.output or BENCH / "results" / f"{datetime.date.today():%Y-%m-%d}-{args.db}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nWrote {output} ({time.perf_counter() - began:.0f}s in all)")
    failed = not all(pages["summary"][p]["pass"] for p in PAGES)
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
