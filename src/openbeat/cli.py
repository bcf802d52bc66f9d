"""The `openbeat` command: demo, serve, worker and Django's manage.py."""

import argparse
import os
import socket
import sys


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openbeat.settings")
    import django

    from openbeat import datadir

    datadir.prepare()

    django.setup()


def _parse_addr(value):
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"{value!r} is not HOST:PORT, e.g. 127.0.0.1:8000")
    return host or "127.0.0.1", int(port)


def _address_settings(host, port, *, demo):
    """Environment for a server bound to HOST:PORT whose links were not given an address.

    Emailed links, calendar feeds and Open311's media_url are built from OPENBEAT_BASE_URL; a
    demo started with `--addr 127.0.0.1:8765` must not email links to port 8000. An address
    bound on every interface (0.0.0.0, ::) names no host a browser could use, so the machine's
    own name stands in, and the demo then answers to any host name (visitors on the network
    reach it by whatever name or address they know); `serve` accepts the derived host beside
    the local ones. An operator's OPENBEAT_BASE_URL is never overridden.
    """
    if os.environ.get("OPENBEAT_BASE_URL"):
        return {}  # the operator said where residents reach it
    wildcard = host in ("0.0.0.0", "::", "[::]", "")  # noqa: S104  (recognised, not bound)
    name = socket.getfqdn() if wildcard else host
    if ":" in name and not name.startswith("["):
        name = f"[{name}]"  # an IPv6 address in a URL
    derived = {"OPENBEAT_BASE_URL": f"http://{name}:{port}"}
    if not os.environ.get("OPENBEAT_ALLOWED_HOSTS"):
        hosts = ["*"] if demo and wildcard else ["127.0.0.1", "localhost", "[::1]", name]
        derived["OPENBEAT_ALLOWED_HOSTS"] = ",".join(dict.fromkeys(hosts))
    return derived


def _prepare():
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def _prepare_apart():
    """`_prepare` in a forked child, so the server's master process does not keep what migrating
    loads (every app's migration modules and the project state built from them: ~12 MB). Each
    web worker is a fork of the master and would start with all of it (bench/README.md: memory).
    """
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: migrate, collect static files, and go
        code = 1
        try:
            _prepare()
            code = 0
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            from django.db import connections

            connections.close_all()  # said goodbye to the database, not just dropped
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _pid, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("Could not migrate the database or collect the static files (see above).")


def _bound_malloc():
    """Ask glibc's malloc to give memory back: every worker thread would otherwise get an arena
    of its own (up to 8 per core) that keeps what it once held, and a freed large block (a
    200 KB answer) would raise the size below which blocks are kept instead of returned
    (its "dynamic mmap threshold", up to 32 MB). Two arenas; blocks of 256 KiB and more mapped
    and unmapped. OPENBEAT_MALLOC_TUNING=0 leaves malloc as it is (bench/README.md: memory).
    Elsewhere than glibc (musl, macOS), nothing to do."""
    if os.environ.get("OPENBEAT_MALLOC_TUNING", "1") == "0":
        return
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return
    m_mmap_threshold, m_arena_max = -3, -8  # glibc's malloc.h
    mallopt(m_arena_max, 2)
    mallopt(m_mmap_threshold, 256 * 1024)


def _start_worker_thread():
    """Run the task worker beside the web server in one process (the demo's single command)."""
    from django.conf import settings

    from openbeat.core.worker import run_worker

    if settings.TASKS_MODE != "database":
        return None
    return run_worker(in_thread=True)


def _run_queued_tasks():
    """Run the periodic jobs and every task due now, then return (the database queue only).

    The demo does this before it serves, so the emails its loading queued are printed before
    its banner rather than burying it.
    """
    from django.conf import settings

    from openbeat.core.worker import make_worker, run_periodic_jobs

    if settings.TASKS_MODE == "database":
        run_periodic_jobs()
        make_worker(interval=0, batch=True).run()


def _serve(host, port, workers, threads=4, with_task_worker=False, banner=""):
    """Serve with gunicorn. `with_task_worker` runs the task worker in the serving process;
    `banner` is printed once the server listens and its worker has booted.

    The task worker is started after the fork, in the process that serves: forking a process
    whose other threads are running (importing a module, holding a lock) hands the child a
    half-imported module or a lock no one will release. The demo once served nothing but
    "openbeat.urls does not appear to have any patterns" that way.
    """
    from django.db import connections
    from gunicorn.app.base import BaseApplication

    from openbeat.wsgi import application

    def start_task_worker(_worker):
        if banner:
            print(banner, flush=True)
        if with_task_worker:
            _start_worker_thread()

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("accesslog", "-")
            self.cfg.set("control_socket_disable", True)
            if with_task_worker or banner:
                self.cfg.set("post_worker_init", start_task_worker)

        def load(self):
            return application

    connections.close_all()  # never share a database connection across the fork
    _bound_malloc()  # before any thread starts; the workers inherit it
    Server().run()


def cmd_demo(args):
    from openbeat.demo.loader import load_demo

    _prepare()
    summary = load_demo()
    _run_queued_tasks()
    from django.conf import settings

    host, port = args.addr
    banner = (
        f"\nOpenBeat demo: {summary['town']} is ready at {settings.BASE_URL}/\n"
        f"Staff sign-in: {settings.BASE_URL}/staff/  user {summary['username']}  "
        f"password {summary['password']}\n"
        "Emails are printed here (OPENBEAT_EMAIL_URL=console://). Ctrl-C stops.\n"
    )
    _serve(host, port, workers=1, with_task_worker=True, banner=banner)


def cmd_serve(args):
    _prepare_apart()
    host, port = args.addr
    _serve(host, port, workers=args.workers, threads=args.threads)


def cmd_worker(args):
    from django.conf import settings
    from django.core.management import call_command

    if settings.TASKS_MODE == "database":
        from openbeat.core.worker import run_worker

        run_worker(interval=args.interval)
    elif settings.TASKS_MODE == "rq":
        call_command("rqworker", "default")
    else:
        print("OPENBEAT_TASKS=immediate runs tasks inside the web process; no worker is needed.")


def cmd_apikey(args):
    from openbeat.core.apikeys import create_key
    from openbeat.core.models import Agency

    agency = Agency.objects.filter(slug=args.agency).first()
    if agency is None:
        known = ", ".join(Agency.objects.values_list("slug", flat=True)) or "none yet"
        sys.exit(f"No agency {args.agency!r}. Agencies: {known}.")
    key, raw = create_key(agency, args.name, role=args.role)
    print(f"API key {key.name!r} for {agency.name} (acts as {key.get_role_display()}).")
    print("Shown once; store it now:")
    print(raw)


def cmd_import_open311(args):
    import datetime

    from openbeat.core.models import Agency
    from openbeat.open311.importer import ImportFailed, run_import

    agency = Agency.objects.filter(slug=args.agency).first()
    if agency is None:
        sys.exit(f"No agency {args.agency!r} to import into.")
    since = None
    if args.since:
        try:
            since = datetime.datetime.fromisoformat(args.since).replace(tzinfo=datetime.UTC)
        except ValueError:
            sys.exit(f"--since must be a date like 2025-07-01, not {args.since!r}")
    try:
        created, skipped, refused = run_import(
            args.url, agency, args.jurisdiction, args.service_code, since
        )
    except ImportFailed as exc:
        sys.exit(str(exc))
    print(f"Imported {created}, already here {skipped}, refused {len(refused)}.")
    for request_id, errors in refused:
        print(f"  request {request_id}: {errors}")


def cmd_backup(args):
    from openbeat.core.backup import BackupError, backup

    try:
        manifest = backup(args.path)
    except BackupError as exc:
        sys.exit(str(exc))
    rows = sum(manifest["rows"].values())
    print(
        f"Backed up {rows} rows in {len(manifest['rows'])} tables and "
        f"{len(manifest['files'])} files to {args.path}"
    )


def cmd_restore(args):
    from django.core.management import call_command

    from openbeat.core.backup import BackupError, restore

    call_command("migrate", interactive=False, verbosity=0)
    try:
        rows, files = restore(args.path, force=args.force)
    except BackupError as exc:
        sys.exit(str(exc))
    print(f"Restored {rows} rows and {files} files; every count and checksum matches.")


def _bar(done, total, width=30):
    filled = width if not total else width * done // total
    return f"[{'#' * filled}{'.' * (width - filled)}]"


def _progress_line(mailing, counts):
    return (
        f"{_bar(counts['total'] - counts['remaining'], counts['total'])} {counts['percent']:3d}% "
        f"mailing {mailing.pk} ({mailing.get_kind_display()}, {mailing.agency.slug}): "
        f"sent {counts['sent']}, failed {counts['failed']}, not sent {counts['skipped']}, "
        f"remaining {counts['remaining']} of {counts['total']}"
    )


def cmd_outreach_progress(args):
    """Progress of mailings: the newest few, or one, optionally followed until it finishes."""
    import time

    from openbeat.outreach.delivery import progress
    from openbeat.outreach.models import Mailing

    mailings = Mailing.objects.select_related("agency")
    if args.mailing is not None:
        mailing = mailings.filter(pk=args.mailing).first()
        if mailing is None:
            sys.exit(f"No mailing {args.mailing}. Run without a number to list the newest.")
        chosen = [mailing]
    else:
        chosen = list(mailings.order_by("-created_at", "-id")[: args.last])
        if not chosen:
            print("No mailings yet.")
            return
    if not args.follow:
        for mailing in chosen:
            print(_progress_line(mailing, progress(mailing)))
        return
    mailing = chosen[0]
    interactive = sys.stdout.isatty()
    while True:
        mailing.refresh_from_db()
        counts = progress(mailing)
        line = _progress_line(mailing, counts)
        print(f"\r{line}" if interactive else line, end="" if interactive else "\n", flush=True)
        if counts["planned"] and not counts["remaining"]:
            break
        time.sleep(args.interval)
    if interactive:
        print()


def cmd_outreach_tick(args):
    """Publish scheduled announcements that are due, start this week's digests, forget
    addresses that never confirmed. The worker does this every few minutes by itself; this runs
    it now. Safe to run as often as you like."""
    from openbeat.outreach import actions

    done = actions.tick()
    print(
        f"Published {done['published']} scheduled announcement(s); started {done['digests']} "
        f"digest(s); forgot {done['forgotten']} unconfirmed address(es)."
    )


def cmd_outreach_bounce(args):
    """Stop all email to addresses your mail server reported as undeliverable."""
    from openbeat.outreach import actions

    for address in args.email:
        actions.record_bounce(address, args.reason)
    print(f"{len(args.email)} address(es) will not be emailed again.")


def cmd_retention(args):
    from openbeat.retention.actions import ended_subscriptions, past_sign_ups, run_retention

    subscriptions, sign_ups = ended_subscriptions().count(), past_sign_ups().count()
    ids = run_retention(dry_run=args.dry_run)
    verb = "Would anonymise" if args.dry_run else "Anonymised"
    listed = ", ".join(f"#{pk}" for pk in ids[:50]) + (" …" if len(ids) > 50 else "")
    print(
        f"{verb} {len(ids)} concern(s) past their retention period{': ' + listed if ids else '.'}"
    )
    print(
        f"{verb} {subscriptions} ended email subscription(s) and {sign_ups} volunteer "
        "sign-up(s) of past shifts."
    )


def cmd_two_factor_reset(args):
    from openbeat.twofactor.actions import reset_from_console

    try:
        removed = reset_from_console(args.username, args.reason)
    except LookupError:
        sys.exit(f"No account {args.username!r}.")
    print(
        f"Removed {removed} device(s) (authenticator, backup codes) of {args.username}; they set up "
        "a new authenticator at their next sign-in. Recorded in the audit log."
    )


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["manage"]:
        _setup()
        from django.core.management import execute_from_command_line

        execute_from_command_line(["openbeat manage", *argv[1:]])
        return
    parser = argparse.ArgumentParser(prog="openbeat", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="set up the demo town and serve it")
    demo.add_argument("--addr", type=_parse_addr, default=("127.0.0.1", 8000), metavar="HOST:PORT")
    demo.set_defaults(func=cmd_demo)
    serve = commands.add_parser("serve", help="run the production web server")
    serve.add_argument("--addr", type=_parse_addr, default=("127.0.0.1", 8000), metavar="HOST:PORT")
    serve.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    serve.add_argument("--threads", type=int, default=4)
    serve.set_defaults(func=cmd_serve)
    worker = commands.add_parser("worker", help="run background tasks (emails)")
    worker.add_argument("--interval", type=float, default=1.0)
    worker.set_defaults(func=cmd_worker)
    apikey = commands.add_parser("apikey", help="API keys for programs acting for an agency")
    apikey_commands = apikey.add_subparsers(dest="apikey_command", required=True)
    create = apikey_commands.add_parser("create", help="create a key; prints it as the last line")
    create.add_argument("--agency", required=True, metavar="SLUG")
    create.add_argument("--role", default="officer", choices=["officer", "coordinator", "admin"])
    create.add_argument("name")
    create.set_defaults(func=cmd_apikey)
    imp = commands.add_parser("import-open311", help="import requests from another Open311 server")
    imp.add_argument(
        "url", help="the server's GeoReport v2 base, e.g. https://city.example/open311/v2"
    )
    imp.add_argument(
        "--agency", required=True, metavar="SLUG", help="the agency they belong to here"
    )
    imp.add_argument("--jurisdiction", help="jurisdiction_id on the other server")
    imp.add_argument("--service-code", action="append", help="only these codes (repeatable)")
    imp.add_argument("--since", help="first date to import (default: a year ago)")
    imp.set_defaults(func=cmd_import_open311)
    save = commands.add_parser("backup", help="back up the database and uploads to a new folder")
    save.add_argument("path")
    save.set_defaults(func=cmd_backup)
    load = commands.add_parser("restore", help="restore a backup folder into an empty database")
    load.add_argument("path")
    load.add_argument("--force", action="store_true", help="even if the database has data")
    load.set_defaults(func=cmd_restore)
    progress = commands.add_parser(
        "outreach-progress", help="sent / failed / remaining of announcement mailings"
    )
    progress.add_argument("mailing", nargs="?", type=int, help="a mailing's number")
    progress.add_argument("--last", type=int, default=5, help="how many of the newest to list")
    progress.add_argument(
        "--follow", action="store_true", help="redraw the bar until the mailing finishes"
    )
    progress.add_argument("--interval", type=float, default=1.0)
    progress.set_defaults(func=cmd_outreach_progress)
    tick = commands.add_parser(
        "outreach-tick", help="publish due announcements and start weekly digests now"
    )
    tick.set_defaults(func=cmd_outreach_tick)
    bounce = commands.add_parser("outreach-bounce", help="never email these addresses again")
    bounce.add_argument("email", nargs="+")
    bounce.add_argument("--reason", default="reported undeliverable by the mail server")
    bounce.set_defaults(func=cmd_outreach_bounce)
    retention = commands.add_parser(
        "retention",
        help="anonymise concerns, ended subscriptions and past sign-ups due for retention now",
    )
    retention.add_argument("--dry-run", action="store_true", help="only list what would change")
    retention.set_defaults(func=cmd_retention)
    reset = commands.add_parser(
        "two-factor-reset", help="remove an account's authenticator (a lost phone), audited"
    )
    reset.add_argument("username")
    reset.add_argument("--reason", required=True, help="why, for the audit log")
    reset.set_defaults(func=cmd_two_factor_reset)
    commands.add_parser("manage", help="Django's manage.py commands")
    args = parser.parse_args(argv)
    if args.command == "demo":
        # Visitors try the staff pages with the printed password; two-factor sign-in is there
        # to try (Staff → Two-factor sign-in) rather than demanded.
        os.environ.setdefault("OPENBEAT_STAFF_2FA", "optional")
        # The demo site is Smyrna PD's, co-hosting with Clayton PD: its name and colour head it.
        os.environ.setdefault("OPENBEAT_SITE_AGENCY", "smyrna-pd")
    if args.command in ("demo", "serve"):
        os.environ.update(_address_settings(*args.addr, demo=args.command == "demo"))
    _setup()
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):  # the console speaks the site's language
        args.func(args)


if __name__ == "__main__":
    main()
