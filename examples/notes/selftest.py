#!/usr/bin/env python3
"""Proves the notes service and each of its resilience patterns by hand, without faultline's harness.

Starts, on 127.0.0.1 only and on free ports: a throwaway Postgres 15 (as the `postgres` user when
run as root), a redis-server, a toxiproxy-server with one proxy per edge (app->db, app->cache) and
the app behind them; checks every endpoint; then drives 45 reads/s for 20 s per case, injects a
fault from second 5 to 13, and checks each pattern on and off:

    db latency 400 ms     on: >= 99% answered, p99 <= 300 ms   timeout off: p99 > 300 ms   stale-cache off: < 99%
    db frozen (SIGSTOP)   on: >= 99% answered, p99 <= 300 ms   timeout,stale-cache off: requests hang (2 s client timeout)
    db partition          on: >= 95% answered                  stale-cache off: < 95%
    cache killed          on: >= 99% answered                  cache-bypass off: < 99%
    db restarted          on: every write after it succeeds    retry off: the first writes fail

    python3 selftest.py            (about 4 minutes; exit 0 when every expectation held)

Needs Postgres 15 server binaries (/usr/lib/postgresql/15/bin), redis-server, and toxiproxy-server
(faultline's set-up builds it into .tools/bin; or set TOXIPROXY_SERVER). Every process it starts is
stopped at the end, also on Ctrl-C.
"""

import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
PG_BIN = os.environ.get('PG_BIN', '/usr/lib/postgresql/15/bin')
LOOPBACK = '127.0.0.1'
RATE, SECONDS, FAULT_AT, FAULT_FOR = 45, 20, 5, 8
CLIENT_TIMEOUT_S = 2.0


def free_port():
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def find_toxiproxy():
    for candidate in (os.environ.get('TOXIPROXY_SERVER'), os.path.join(HERE, '..', '..', '.tools', 'bin', 'toxiproxy-server'), shutil.which('toxiproxy-server')):
        if candidate and os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)
    sys.exit('toxiproxy-server not found: run faultline\'s set-up (it builds .tools/bin/toxiproxy-server) or set TOXIPROXY_SERVER')


def wait_for(what, check, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - not yet
            pass
        time.sleep(0.1)
    raise RuntimeError(f'{what} did not come up within {timeout:.0f} s')


class Stack:
    """Postgres, Redis, Toxiproxy and the app, each started here and stopped by its own pid."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='notes-selftest-')
        os.chmod(self.dir, 0o755)
        self.pg_port, self.redis_port, self.toxi_port = free_port(), free_port(), free_port()
        self.db_edge, self.cache_edge, self.app_port = free_port(), free_port(), free_port()
        self.redis = self.toxi = self.app = None
        self.pg_started = False

    # -- Postgres, through pg_ctl, as the postgres user when we are root
    def as_pg(self, argv):
        return (['runuser', '-u', 'postgres', '--'] + argv) if os.geteuid() == 0 else argv

    def pg_ctl(self, *args):
        data = os.path.join(self.dir, 'pg')
        opts = f'-p {self.pg_port} -k {data} -c listen_addresses={LOOPBACK}'
        subprocess.run(self.as_pg([f'{PG_BIN}/pg_ctl', '-D', data, '-o', opts, '-l', os.path.join(data, 'server.log'), *args]), check=True, stdout=subprocess.DEVNULL)

    def start_postgres(self):
        data = os.path.join(self.dir, 'pg')
        os.mkdir(data)
        if os.geteuid() == 0:
            shutil.chown(data, 'postgres')
        subprocess.run(self.as_pg([f'{PG_BIN}/initdb', '-D', data, '-U', 'faultline', '--auth=trust']), check=True, stdout=subprocess.DEVNULL)
        self.pg_ctl('start', '-w')
        self.pg_started = True
        subprocess.run(self.as_pg([f'{PG_BIN}/createdb', '-h', LOOPBACK, '-p', str(self.pg_port), '-U', 'faultline', 'faultline']), check=True)

    def postgres_pids(self):
        with open(os.path.join(self.dir, 'pg', 'postmaster.pid')) as f:
            postmaster = int(f.readline())
        children = subprocess.run(['pgrep', '-P', str(postmaster)], capture_output=True, text=True).stdout.split()
        return [postmaster] + [int(p) for p in children]

    # -- Redis
    def start_redis(self):
        self.redis = subprocess.Popen(['redis-server', '--port', str(self.redis_port), '--bind', LOOPBACK, '--save', '', '--appendonly', 'no'],
                                      stdout=open(os.path.join(self.dir, 'redis.log'), 'ab'), stderr=subprocess.STDOUT, start_new_session=True)
        wait_for('redis', lambda: socket.create_connection((LOOPBACK, self.redis_port), 0.2).close() is None)

    def kill_redis(self):
        os.kill(self.redis.pid, signal.SIGKILL)
        self.redis.wait()

    # -- Toxiproxy: one proxy per edge, as faultline puts them
    def start_toxiproxy(self):
        self.toxi = subprocess.Popen([find_toxiproxy(), '-host', LOOPBACK, '-port', str(self.toxi_port)],
                                     stdout=open(os.path.join(self.dir, 'toxiproxy.log'), 'ab'), stderr=subprocess.STDOUT, start_new_session=True)
        wait_for('toxiproxy', lambda: self.toxiproxy('GET', '/version') is not None)
        self.toxiproxy('POST', '/proxies', {'name': 'app_to_db', 'listen': f'{LOOPBACK}:{self.db_edge}', 'upstream': f'{LOOPBACK}:{self.pg_port}'})
        self.toxiproxy('POST', '/proxies', {'name': 'app_to_cache', 'listen': f'{LOOPBACK}:{self.cache_edge}', 'upstream': f'{LOOPBACK}:{self.redis_port}'})

    def toxiproxy(self, method, path, body=None):
        req = urllib.request.Request(f'http://{LOOPBACK}:{self.toxi_port}{path}', method=method, data=None if body is None else json.dumps(body).encode())
        with urllib.request.urlopen(req, timeout=2) as res:
            return res.read()

    # -- the app, through the proxies
    def start_app(self, off=''):
        self.stop_app()
        env = {**os.environ, 'HOST': LOOPBACK, 'PORT': str(self.app_port), 'RESILIENCE_OFF': off,
               'DATABASE_URL': f'postgres://faultline@{LOOPBACK}:{self.db_edge}/faultline', 'REDIS_URL': f'redis://{LOOPBACK}:{self.cache_edge}/0'}
        self.app = subprocess.Popen([sys.executable, 'app.py'], cwd=HERE, env=env, stdout=open(os.path.join(self.dir, 'app.log'), 'ab'),
                                    stderr=subprocess.STDOUT, start_new_session=True)
        wait_for('the app', lambda: get(self.app_port, '/health')[0] == 200)

    def stop_app(self):
        if self.app is not None and self.app.poll() is None:
            os.kill(self.app.pid, signal.SIGTERM)
            try:
                self.app.wait(5)
            except subprocess.TimeoutExpired:
                os.kill(self.app.pid, signal.SIGKILL)
                self.app.wait()
        self.app = None

    def stop(self):
        self.stop_app()
        for p in (self.toxi, self.redis):
            if p is not None and p.poll() is None:
                os.kill(p.pid, signal.SIGKILL)
                p.wait()
        if self.pg_started:
            try:
                for pid in self.postgres_pids():
                    os.kill(pid, signal.SIGCONT)  # a frozen Postgres cannot shut down
                self.pg_ctl('stop', '-m', 'immediate', '-w')
            except Exception as error:  # noqa: BLE001
                print(f'warning: stopping Postgres: {error}', file=sys.stderr)
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------- HTTP and load

_conn = threading.local()


def get(port, path, method='GET', body=None):
    """(status, headers, body) on a kept-alive connection; (error name, {}, b'') on a failure."""
    conn = getattr(_conn, 'c', None)
    if conn is None or conn.port != port:
        conn = _conn.c = http.client.HTTPConnection(LOOPBACK, port, timeout=CLIENT_TIMEOUT_S)
    try:
        headers = {'content-type': 'application/json'} if body is not None else {}
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        res = conn.getresponse()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read()
    except Exception as error:  # noqa: BLE001
        conn.close()
        _conn.c = None
        return type(error).__name__, {}, b''


def drive(port, fault_on, fault_off):
    """Open model: RATE reads/s of GET /notes/<1..200> for SECONDS, the fault from FAULT_AT for FAULT_FOR."""
    results, lock = [], threading.Lock()
    events = [(FAULT_AT, fault_on), (FAULT_AT + FAULT_FOR, fault_off)]

    def read(at):
        t0 = time.monotonic()
        status, headers, _ = get(port, f'/notes/{random.randint(1, 200)}')
        with lock:
            results.append((at, status, 'x-degraded' in headers, time.monotonic() - t0))

    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=96) as pool:
        for i in range(RATE * SECONDS):
            at = i / RATE
            while events and events[0][0] <= at:
                events.pop(0)[1]()
            pause = start + at - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            pool.submit(read, at)
    return results


def phase(results, lo, hi):
    rows = [r for r in results if lo <= r[0] < hi]
    lat = sorted(r[3] for r in rows)
    ok = sum(1 for r in rows if r[1] == 200)
    errors = {}
    for r in rows:
        if r[1] != 200:
            errors[str(r[1])] = errors.get(str(r[1]), 0) + 1
    return {'n': len(rows), 'avail': ok / len(rows), 'stale': sum(1 for r in rows if r[2]) / len(rows),
            'p50': 1000 * lat[len(lat) // 2], 'p99': 1000 * lat[min(len(lat) - 1, int(0.99 * len(lat)))], 'errors': errors}


# ---------------------------------------------------------------- checks

failures = []


def expect(name, ok, detail):
    print(f"  {'PASS' if ok else 'FAIL'}  {name}: {detail}", flush=True)
    if not ok:
        failures.append(name)


def check_endpoints(stack):
    print('endpoints', flush=True)
    port = stack.app_port
    s, h, b = get(port, '/health')
    expect('GET /health', s == 200 and json.loads(b)['status'] == 'ok', f'{s} {b.decode().strip()}')
    s1, h1, b1 = get(port, '/notes/7')
    s2, h2, _ = get(port, '/notes/7')
    expect('GET /notes/7 twice', s1 == 200 and json.loads(b1)['id'] == 7 and h1.get('x-cache') == 'miss' and h2.get('x-cache') == 'hit', f"{s1} x-cache {h1.get('x-cache')}, then {s2} x-cache {h2.get('x-cache')}")
    s, _, b = get(port, '/notes?limit=3')
    expect('GET /notes?limit=3', s == 200 and len(json.loads(b)) == 3, f'{s}, {len(json.loads(b)) if s == 200 else b} notes')
    s, h, b = get(port, '/notes', 'POST', {'title': 'selftest', 'body': 'hello'})
    location = h.get('location', '')
    s2, _, b2 = get(port, location) if location else ('-', {}, b'')
    expect('POST /notes', s == 201 and location.startswith('/notes/') and int(location.rsplit('/', 1)[1]) > 200 and s2 == 200 and json.loads(b2)['title'] == 'selftest',
           f'{s} Location {location}, read back {s2}')
    s, _, _ = get(port, '/notes/999999')
    expect('GET /notes/999999', s == 404, str(s))
    s, _, _ = get(port, '/notes', 'POST', {'body': 'no title'})
    expect('POST /notes without a title', s == 400, str(s))


def measure(stack, off, fault_on, fault_off):
    stack.start_app(off)
    results = drive(stack.app_port, fault_on, fault_off)
    stack.stop_app()
    fault = phase(results, FAULT_AT, FAULT_AT + FAULT_FOR)
    base, rec = phase(results, 0, FAULT_AT), phase(results, FAULT_AT + FAULT_FOR, SECONDS)
    text = (f"fault {fault['avail']:.1%} answered ({fault['stale']:.0%} stale), p50 {fault['p50']:.0f} ms, p99 {fault['p99']:.0f} ms"
            f"{', errors ' + json.dumps(fault['errors']) if fault['errors'] else ''}; baseline p99 {base['p99']:.0f} ms, recovery {rec['avail']:.1%} p99 {rec['p99']:.0f} ms")
    return fault, text


def case(title, stack, fault_on, fault_off, runs):
    print(title, flush=True)
    for off, judge, wanted in runs:
        fault, text = measure(stack, off, fault_on, fault_off)
        expect(f"RESILIENCE_OFF={off or '(none)'}", judge(fault), f'{text}  [expected: {wanted}]')


def check_retry(stack):
    print('db restarted (pooled connections broken)', flush=True)
    for off, want_failures in (('', False), ('retry', True)):
        stack.start_app(off)
        with ThreadPoolExecutor(max_workers=6) as pool:  # a few pooled connections
            list(pool.map(lambda _: get(stack.app_port, '/notes?limit=100'), range(24)))
        stack.pg_ctl('restart', '-m', 'fast', '-w')
        statuses = [get(stack.app_port, '/notes', 'POST', {'title': f'after restart {i}'})[0] for i in range(10)]
        stack.stop_app()
        failed = sum(1 for s in statuses if s != 201)
        ok = failed > 0 if want_failures else failed == 0
        expect(f"RESILIENCE_OFF={off or '(none)'}", ok, f"10 writes right after the restart: {' '.join(map(str, statuses))}  [expected: {'some fail' if want_failures else 'all 201'}]")


def main():
    stack = Stack()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        stack.start_postgres()
        stack.start_redis()
        stack.start_toxiproxy()
        stack.start_app()
        check_endpoints(stack)
        print(f'load: {RATE} reads/s for {SECONDS} s over notes 1..200, fault from {FAULT_AT} s for {FAULT_FOR} s; judged on the fault phase', flush=True)

        healthy = lambda f: f['avail'] >= 0.99 and f['p99'] <= 300
        case('db latency: +400 ms on app->db', stack,
             lambda: stack.toxiproxy('POST', '/proxies/app_to_db/toxics', {'name': 'slow', 'type': 'latency', 'stream': 'downstream', 'attributes': {'latency': 400, 'jitter': 0}}),
             lambda: stack.toxiproxy('DELETE', '/proxies/app_to_db/toxics/slow'),
             [('', healthy, '>= 99%, p99 <= 300 ms'), ('timeout', lambda f: f['p99'] > 300, 'p99 > 300 ms'), ('stale-cache', lambda f: f['avail'] < 0.99, '< 99% answered')])

        def freeze(sig):
            return lambda: [os.kill(pid, sig) for pid in stack.postgres_pids()]
        case('db frozen: Postgres SIGSTOPped (connections open, nothing answers)', stack, freeze(signal.SIGSTOP), freeze(signal.SIGCONT),
             [('', healthy, '>= 99%, p99 <= 300 ms'), ('timeout,stale-cache', lambda f: f['p99'] >= 1000 * CLIENT_TIMEOUT_S * 0.9, 'requests hang to the client timeout')])

        case('db partition: app->db proxy disabled (connects refused)', stack,
             lambda: stack.toxiproxy('POST', '/proxies/app_to_db', {'enabled': False}),
             lambda: stack.toxiproxy('POST', '/proxies/app_to_db', {'enabled': True}),
             [('', lambda f: f['avail'] >= 0.95, '>= 95% answered'), ('stale-cache', lambda f: f['avail'] < 0.95, '< 95% answered')])

        case('cache killed: redis-server SIGKILLed, started again at the end', stack, stack.kill_redis, stack.start_redis,
             [('', healthy, '>= 99%, p99 <= 300 ms'), ('cache-bypass', lambda f: f['avail'] < 0.99, '< 99% answered')])

        check_retry(stack)
    finally:
        stack.stop()
    print(f"\n{'all expectations held' if not failures else 'FAILED: ' + ', '.join(failures)}")
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
