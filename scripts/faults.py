#!/usr/bin/env python3
"""Fault checks against running Concord servers (standard library only; loopback only).

Run by scripts/faults.sh, which builds Concord, makes a fresh PostgreSQL database, starts two
servers on it (A with high rate limits, B with a low per-client limit) and cleans up. Four
scenarios, each bounded in time; every figure is printed and the exit status is non-zero if
any requirement fails:

  idempotency  50 concurrent POSTs with one Idempotency-Key: one resource, 50 identical answers
  if-match     threads increment a counter by read / PATCH with If-Match / retry on 412:
               no lost update
  redis        Redis killed during a mixed read/write load: no failed request, rate limits keep
               working from the in-process fallback (proved on server B while Redis is down)
  postgres     PostgreSQL stopped (-m immediate) for ~3 s under a write load: only 503 with
               Retry-After while it is down (no 500, no hang), success again within 5 s of its
               return without restarting Concord, and no acknowledged write lost

This script stops and starts the local PostgreSQL and Redis; faults.sh restarts both on exit.
"""

import argparse
import collections
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid

HANG = 10.0  # a request slower than this counts as a hang
RUN = uuid.uuid4().hex[:8]


# ---------------------------------------------------------------- HTTP


class Resp:
    def __init__(self, status, headers, body, elapsed, error=None):
        self.status = status  # None when the connection failed or timed out
        self.headers = headers
        self.body = body
        self.elapsed = elapsed
        self.error = error

    def json(self):
        return json.loads(self.body)

    def label(self):
        return str(self.status) if self.status is not None else f"error:{self.error}"


class Client:
    """One keep-alive connection; reconnects after any failure."""

    def __init__(self, base, token=None, timeout=HANG + 5):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port
        self.token = token
        self.timeout = timeout
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        h = {"Accept": "application/json"}
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            if isinstance(body, (dict, list)):
                data = json.dumps(body).encode()
                h["Content-Type"] = "application/json"
            else:
                data = body.encode()
                h["Content-Type"] = "application/x-www-form-urlencoded"
        h.update(headers or {})
        start = time.monotonic()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.conn.request(method, path, body=data, headers=h)
            r = self.conn.getresponse()
            payload = r.read()
            hdrs = {k.lower(): v for k, v in r.getheaders()}
            if hdrs.get("connection", "").lower() == "close":
                self.close()
            return Resp(r.status, hdrs, payload, time.monotonic() - start)
        except Exception as e:  # noqa: BLE001 - every failure is a figure
            self.close()
            kind = "timeout" if "timed out" in str(e) else type(e).__name__
            return Resp(None, {}, b"", time.monotonic() - start, kind)

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:  # noqa: BLE001
                pass
            self.conn = None


def must(resp, *ok):
    if resp.status not in ok:
        raise SystemExit(f"setup request failed: {resp.label()} {resp.body[:300]!r}")
    return resp


def token(base, form):
    r = must(Client(base).request("POST", "/v1/auth/token", urllib.parse.urlencode(form)), 200)
    return r.json()["access_token"]


# ---------------------------------------------------------------- services


def pg_version():
    return sorted(os.listdir("/etc/postgresql"), key=lambda v: [int(x) for x in v.split(".")])[-1]


def sh(*cmd, timeout=60):
    try:
        subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"  (command still running after {timeout} s: {' '.join(cmd)})")


# After `stop -m immediate` PostgreSQL starts with crash recovery, which by default fsyncs every
# file of the cluster one by one first: minutes on a shared machine with many test databases.
# syncfs (one call per file system, equally durable) makes that a fraction of a second.
PG_START_OPTS = ["-o", "-c recovery_init_sync_method=syncfs"]


def pg_ctl(action):
    if action == "stop":
        extra, opts = ["-m", "immediate"], []
    else:
        extra, opts = [], PG_START_OPTS
    sh("pg_ctlcluster", "--skip-systemctl-redirect", *opts, pg_version(), "main", action, *extra, timeout=120)


def pg_checkpoint():
    """Flushes PostgreSQL's dirty pages first, so that its crash recovery has little to redo."""
    sh("psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c", "CHECKPOINT")


def pg_ready():
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], check=False).returncode == 0


def redis_up():
    r = subprocess.run(["redis-cli", "-p", "6379", "ping"], check=False, capture_output=True, text=True)
    return r.stdout.strip() == "PONG"


def redis_kill():
    sh("redis-cli", "-p", "6379", "shutdown", "nosave")


def redis_start():
    sh("redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379",
       "--save", "", "--appendonly", "no")


def wait_for(pred, limit):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


# ---------------------------------------------------------------- reporting

FAILURES = []


def check(ok, what):
    print(f"  [{'ok' if ok else 'FAIL'}] {what}")
    if not ok:
        FAILURES.append(what)


def fig(name, value):
    print(f"  {name}: {value}")


def new_org(tag):
    return {"name": f"Faults {RUN} {tag} {uuid.uuid4().hex[:10]}", "kind": "partner",
            "partner_kind": "charity"}


def list_all(client, name_prefix):
    """Every organisation of the tenant whose name starts with `name_prefix` (all pages)."""
    ids, cursor = set(), None
    while True:
        q = "/v1/organisations?limit=100" + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else "")
        page = must(client.request("GET", q), 200).json()
        ids.update(o["id"] for o in page["items"] if o["name"].startswith(name_prefix))
        cursor = page.get("next_cursor")
        if not cursor:
            return ids


# ---------------------------------------------------------------- scenarios


def scenario_idempotency(base, tok):
    print("\n== idempotency: 50 concurrent POSTs with one Idempotency-Key")
    n = 50
    key = f"faults-{RUN}-idem"
    body = new_org("idem")
    barrier = threading.Barrier(n)
    results = [None] * n

    def worker(i):
        c = Client(base, tok)
        barrier.wait()
        results[i] = c.request("POST", "/v1/organisations", body, {"Idempotency-Key": key})

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - start
    statuses = collections.Counter(r.label() for r in results)
    answers = collections.Counter((r.status, r.body, r.headers.get("location")) for r in results)
    replayed = sum(1 for r in results if r.headers.get("idempotent-replayed") == "true")
    created = list_all(Client(base, tok), body["name"])
    fig("requests", n)
    fig("statuses", dict(statuses))
    fig("distinct (status, body, Location) answers", len(answers))
    fig("answers marked Idempotent-Replayed", replayed)
    fig("longest request", f"{max(r.elapsed for r in results):.3f} s")
    fig("wall time", f"{took:.2f} s")
    fig("organisations with that name", len(created))
    check(statuses == {"201": n}, "all 50 answered 201")
    check(len(answers) == 1, "all 50 answers identical (status, body, Location)")
    check(len(created) == 1, "exactly one organisation created")
    if results[0].status == 201:
        check(created == {results[0].json()["id"]}, "the one created is the one answered")


def scenario_if_match(base, tok, threads=8, per_thread=8, budget=60.0):
    print(f"\n== if-match: {threads} threads x {per_thread} read/PATCH-If-Match increments")
    c = Client(base, tok)
    org = must(c.request("POST", "/v1/organisations",
                         {"name": "Counter 0", "kind": "partner", "partner_kind": "charity"}), 201).json()
    path = f"/v1/organisations/{org['id']}"
    stats = collections.Counter()
    lock = threading.Lock()
    longest = [0.0]
    deadline = time.monotonic() + budget

    def worker():
        cl = Client(base, tok)
        done = 0
        while done < per_thread and time.monotonic() < deadline:
            g = cl.request("GET", path)
            if g.status != 200:
                with lock:
                    stats[f"GET {g.label()}"] += 1
                continue
            n = int(g.json()["name"].split()[1])
            p = cl.request("PATCH", path, {"name": f"Counter {n + 1}"}, {"If-Match": g.headers["etag"]})
            with lock:
                stats[f"PATCH {p.label()}"] += 1
                longest[0] = max(longest[0], g.elapsed, p.elapsed)
            if p.status == 200:
                done += 1

    ts = [threading.Thread(target=worker) for _ in range(threads)]
    start = time.monotonic()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    took = time.monotonic() - start
    final = must(c.request("GET", path), 200).json()
    successes = stats["PATCH 200"]
    counter = int(final["name"].split()[1])
    fig("responses", dict(stats))
    fig("successful updates", successes)
    fig("412 retries", stats["PATCH 412"])
    fig("final counter", counter)
    fig("final version", final["version"])
    fig("longest request", f"{longest[0]:.3f} s")
    fig("wall time", f"{took:.2f} s")
    other = {k: v for k, v in stats.items() if k not in ("PATCH 200", "PATCH 412")}
    check(successes == threads * per_thread, f"every thread made its {per_thread} updates within {budget:.0f} s")
    check(not other, "only 200 and 412 answers")
    check(counter == successes, "zero lost updates: counter == successful updates")
    check(final["version"] == 1 + successes, "version == 1 + successful updates")


class Load:
    """Threads running `step(client, i)` until stopped; every response is recorded with its time."""

    def __init__(self, base, tok, threads, step):
        self.base, self.tok, self.step = base, tok, step
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.records = []  # (t_end, kind, Resp)
        self.ts = [threading.Thread(target=self.run, args=(i,)) for i in range(threads)]

    def run(self, i):
        c = Client(self.base, self.tok)
        n = 0
        while not self.stop.is_set():
            kind, resp, extra = self.step(c, i, n)
            n += 1
            with self.lock:
                self.records.append((time.monotonic(), kind, resp, extra))
            if resp.status is None or resp.status >= 500:
                time.sleep(0.05)  # a client backs off a little on failure

    def start(self):
        for t in self.ts:
            t.start()

    def finish(self):
        self.stop.set()
        for t in self.ts:
            t.join()


def scenario_redis(base, base_b, tok, tok_b, limit_b, duration=10.0):
    print(f"\n== redis: killed during {duration:.0f} s of mixed reads and writes")
    seeded = must(Client(base, tok).request("POST", "/v1/organisations", new_org("redis-seed")), 201).json()

    def step(c, i, n):
        k = n % 5
        if k == 0:
            r = c.request("POST", "/v1/organisations", new_org("redis"))
            return "POST /v1/organisations", r, r.json()["id"] if r.status == 201 else None
        if k in (1, 3):
            return "GET /v1/organisations", c.request("GET", "/v1/organisations?limit=5"), None
        if k == 2:
            return "GET /v1/organisations/{id}", c.request("GET", f"/v1/organisations/{seeded['id']}"), None
        return "GET /v1/me", c.request("GET", "/v1/me"), None

    load = Load(base, tok, 6, step)
    t0 = time.monotonic()
    load.start()
    time.sleep(3.0)
    redis_kill()
    t_kill = time.monotonic()
    down = wait_for(lambda: not redis_up(), 5)
    fig("redis killed at", f"{t_kill - t0:.2f} s (down: {down})")

    # Server B (per-client limit `limit_b`) while Redis is down: its counters can only be the
    # in-process fallback's.
    time.sleep(0.5)
    cb = Client(base_b, tok_b)
    probe = [cb.request("GET", "/v1/me") for _ in range(limit_b + 15)]
    redis_was_down = not redis_up()
    time.sleep(max(0.0, 7.0 - (time.monotonic() - t0)))
    redis_start()
    up = wait_for(redis_up, 10)
    t_up = time.monotonic()
    fig("redis back at", f"{t_up - t0:.2f} s (up: {up})")
    time.sleep(max(0.0, duration - (time.monotonic() - t0)))
    load.finish()

    recs = load.records
    statuses = collections.Counter(f"{k} {r.label()}" for _, k, r, _ in recs)
    failed = [r for _, _, r, _ in recs if r.status not in (200, 201)]
    no_rl = [r for _, _, r, _ in recs if r.status is not None and "ratelimit-limit" not in r.headers]
    during = [r for t, _, r, _ in recs if t_kill <= t <= t_up]
    fig("requests", len(recs))
    fig("by route and status", dict(sorted(statuses.items())))
    fig("requests answered while Redis was down", len(during))
    fig("failed requests", len(failed))
    fig("responses without RateLimit-* headers", len(no_rl))
    fig("longest request", f"{max(r.elapsed for _, _, r, _ in recs):.3f} s")
    check(down and up, "Redis was killed and came back")
    check(len(during) > 0, "load ran while Redis was down")
    check(not failed, "zero failed requests")
    check(not no_rl, "every response carried RateLimit-* headers")
    check(max(r.elapsed for _, _, r, _ in recs) < 2.0, "no request took 2 s or more")

    codes = collections.Counter(r.label() for r in probe)
    limited = [r for r in probe if r.status == 429]
    fig(f"server B (limit {limit_b}/min) probe while Redis down", dict(codes))
    fig("  RateLimit-Limit on its answers", sorted({r.headers.get("ratelimit-limit") for r in probe}))
    check(redis_was_down, "Redis was still down after the probe")
    check(codes.get("200", 0) == limit_b and len(limited) == len(probe) - limit_b,
          f"in-process fallback rate-limits: exactly {limit_b} answered 200, the rest 429")
    check(all("retry-after" in r.headers for r in limited), "every 429 carries Retry-After")

    # The breaker closes again: once Redis is back (and the 2 s back-off is over) the counters
    # are in Redis again.
    time.sleep(2.5)
    for _ in range(3):
        Client(base, tok).request("GET", "/v1/me")
    keys = subprocess.run(["redis-cli", "-p", "6379", "--scan", "--pattern", f"{os.environ.get('FAULTS_PREFIX', '')}*"],
                          check=False, capture_output=True, text=True).stdout.split()
    fig("rate-limit keys in Redis after it came back", len(keys))
    check(len(keys) > 0, "Redis is used again after it came back")

    ledger = [x for _, k, r, x in recs if x]
    lost = [i for i in ledger if Client(base, tok).request("GET", f"/v1/organisations/{i}").status != 200]
    fig("organisations created during the load", len(ledger))
    check(not lost, "every organisation created during the load exists")


def scenario_postgres(base, tok, down_for=3.0, threads=6):
    print(f"\n== postgres: stopped (-m immediate) for {down_for:.0f} s under a write load of {threads} threads")
    prefix = f"Faults {RUN} pg "

    def step(c, i, n):
        body = {"name": f"{prefix}{i}-{n}", "kind": "partner", "partner_kind": "charity"}
        r = c.request("POST", "/v1/organisations", body)
        ident = None
        if r.status == 201:
            ident = r.json()["id"]
        return "POST", r, (body["name"], ident)

    load = Load(base, tok, threads, step)
    t0 = time.monotonic()
    load.start()
    time.sleep(3.0)
    pg_checkpoint()
    t_stop = time.monotonic()
    pg_ctl("stop")
    stopped = not pg_ready()
    fig("postgres stopped at", f"{t_stop - t0:.2f} s, command took {time.monotonic() - t_stop:.2f} s (down: {stopped})")
    time.sleep(max(0.0, down_for - (time.monotonic() - t_stop)))
    # The moment PostgreSQL accepts connections again, seen by polling beside the start command
    # (which itself returns a little later).
    ready_at = []

    def watch():
        if wait_for(pg_ready, 60):
            ready_at.append(time.monotonic())

    watcher = threading.Thread(target=watch)
    t_start = time.monotonic()
    watcher.start()
    pg_ctl("start")
    watcher.join()
    up = bool(ready_at)
    t_up = ready_at[0] if up else time.monotonic()
    fig("postgres start issued at", f"{t_start - t0:.2f} s; accepting connections at {t_up - t0:.2f} s "
        f"(up: {up}); start command returned at {time.monotonic() - t0:.2f} s")
    fig("outage (stop to accepting connections)", f"{t_up - t_stop:.2f} s")

    # Keep writing until the first success after PostgreSQL's return, and 3 s more.
    def first_success():
        with load.lock:
            return next((t for t, _, r, _ in load.records if t >= t_up and r.status == 201), None)

    wait_for(lambda: first_success() is not None, 15)
    t_ok = first_success()
    if t_ok is not None:
        time.sleep(3.0)
    load.finish()

    recs = load.records
    statuses = collections.Counter(r.label() for _, _, r, _ in recs)
    window = [(t, r) for t, _, r, _ in recs if t_stop <= t <= (t_ok or t_up)]
    bad = [r for _, _, r, _ in recs if r.status not in (201, 503)]
    no_retry = [r for _, _, r, _ in recs if r.status == 503 and "retry-after" not in r.headers]
    hangs = [r for _, _, r, _ in recs if r.elapsed > HANG]
    longest = max(r.elapsed for _, _, r, _ in recs)
    longest_503 = max((r.elapsed for _, _, r, _ in recs if r.status == 503), default=0.0)
    unavailable = [(name, r) for _, _, r, (name, _) in recs if r.status != 201]
    ledger = {ident: name for _, _, r, (name, ident) in recs if ident}
    fig("requests", len(recs))
    fig("statuses", dict(statuses))
    fig("answers between the stop and the first success", dict(collections.Counter(r.label() for _, r in window)))
    fig("  longest of those", f"{max((r.elapsed for _, r in window), default=0.0):.3f} s")
    timeline = collections.defaultdict(collections.Counter)
    for t, _, r, _ in recs:
        if t_stop - 1 <= t <= (t_ok or t_up) + 1:
            timeline[int((t - t_stop) // 1)][r.label()] += 1
    fig("timeline, answers per second from the stop", "")
    for sec in sorted(timeline):
        print(f"    {sec:+3d} s: {dict(timeline[sec])}")
    fig("503s seen", statuses.get("503", 0))
    fig("503s without Retry-After", len(no_retry))
    fig("Retry-After values", sorted({r.headers.get("retry-after") for _, _, r, _ in recs if r.status == 503}))
    fig("longest request", f"{longest:.3f} s (longest 503: {longest_503:.3f} s)")
    recovery = None if t_ok is None else t_ok - t_up
    fig("recovery: first 201 after PostgreSQL accepted connections", "never" if recovery is None else f"{recovery:.3f} s")

    c = Client(base, tok)
    ready = c.request("GET", "/readyz")
    lost = [i for i in ledger if c.request("GET", f"/v1/organisations/{i}").status != 200]
    stored = list_all(c, prefix)
    fig("ledger (acknowledged writes)", len(ledger))
    fig("lost acknowledged writes", len(lost))
    fig("writes not acknowledged (503 or connection error)", len(unavailable))
    fig("  of which committed anyway", len(stored - set(ledger)))
    fig("organisations stored from this load", len(stored))
    check(stopped and up, "PostgreSQL was stopped and came back")
    check(statuses.get("503", 0) > 0, "the outage was seen (503s)")
    check(not bad, "only 201 and 503 answers (no 500, no connection error, no timeout)")
    check(not no_retry, "every 503 carries Retry-After")
    check(not hangs, f"no request took more than {HANG:.0f} s")
    check(recovery is not None and recovery <= 5.0, "first success within 5 s of PostgreSQL's return")
    check(ready.status == 200, "/readyz is 200 after recovery (same server process)")
    check(not lost, "zero acknowledged writes lost")
    check(set(ledger) <= stored, "every acknowledged write is listed")


# ---------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True, help="server A (high rate limits)")
    ap.add_argument("--base-b", required=True, help="server B (low per-client limit)")
    ap.add_argument("--limit-b", type=int, required=True)
    ap.add_argument("--admin-password", required=True)
    ap.add_argument("--only", nargs="*", default=["idempotency", "if-match", "redis", "postgres"])
    args = ap.parse_args()

    admin = token(args.base, {"grant_type": "password", "username": "admin@concord.local",
                              "password": args.admin_password})
    slug = f"faults-{RUN}"
    tenant = must(Client(args.base, admin).request("POST", "/v1/tenants", {"slug": slug, "name": "Faults"}), 201).json()
    must(Client(args.base, admin).request("POST", f"/v1/tenants/{tenant['id']}/admins",
                                          {"email": "admin@faults.example", "name": "Fault Admin",
                                           "password": "faults-pass-123"}), 201)
    form = {"grant_type": "password", "tenant": slug, "username": "admin@faults.example",
            "password": "faults-pass-123"}
    tok = token(args.base, form)
    tok_b = token(args.base, form)  # its own subject's counter is the same; B's prefix differs

    started = time.monotonic()
    if "idempotency" in args.only:
        scenario_idempotency(args.base, tok)
    if "if-match" in args.only:
        scenario_if_match(args.base, tok)
    if "redis" in args.only:
        scenario_redis(args.base, args.base_b, tok, tok_b, args.limit_b)
    if "postgres" in args.only:
        scenario_postgres(args.base, tok)
    print(f"\n== {len(FAILURES)} failed check(s) in {time.monotonic() - started:.1f} s")
    for f in FAILURES:
        print(f"  FAIL: {f}")
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
