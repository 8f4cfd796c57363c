#!/usr/bin/env python3
"""notes: a small notes service on Postgres (the store) and Redis (a cache).

    GET  /notes/<id>   one note: cache-aside in Redis, Postgres behind it
    GET  /notes        the newest notes (?limit=1..100, default 20), from Postgres
    POST /notes        {"title": "...", "body": "..."} -> 201, Location: /notes/<id>
    GET  /health       200 once the table exists and is seeded, 503 before (every other path
                       answers 503 until then too); never asks a dependency per call

Its resilience, each pattern switched off by naming it in RESILIENCE_OFF (comma separated):

    timeout       every Postgres call (connect and query, retry included) gets a 150 ms budget,
                  every Redis call a 50 ms socket timeout; without it a slow or silent
                  dependency holds the request as long as it likes
    stale-cache   every read that Postgres answers also leaves a last-known-good copy in Redis
                  (and every note gets one at start); when Postgres fails or times out,
                  GET /notes/<id> answers 200 from that copy with X-Degraded: stale-cache
    retry         a call that fails on a broken connection (reset, refused, closed) is tried
                  once more, on a new connection, after a short backoff; never a call that
                  timed out, and a write only when it failed before the statement could have
                  been sent. Idle Postgres connections the server closed are dropped before use.
    cache-bypass  a Redis error or timeout is a cache miss (and a failed cache write is
                  dropped): a read Postgres can answer never fails because Redis is out

Configuration from the environment: HOST, PORT (default 0.0.0.0:8000), DATABASE_URL
(postgres://faultline@db:5432/faultline), REDIS_URL (redis://cache:6379/0), RESILIENCE_OFF.
Served by waitress (a pure-Python threaded WSGI server) with 16 threads.
"""

import json
import logging
import os
import random
import select
import signal
import sys
import threading
import time

import psycopg2
import psycopg2.errors
import psycopg2.extensions
import redis
from flask import Flask, Response, jsonify, request

PATTERNS = ('timeout', 'stale-cache', 'retry', 'cache-bypass')

HOST = os.environ.get('HOST', '0.0.0.0')
PORT = int(os.environ.get('PORT', '8000'))
DATABASE_URL = os.environ.get('DATABASE_URL', 'postgres://faultline@db:5432/faultline')
REDIS_URL = os.environ.get('REDIS_URL', 'redis://cache:6379/0')

THREADS = 16
DB_BUDGET_S = 0.150          # one Postgres call, its retry included (timeout on)
DB_STATEMENT_TIMEOUT_MS = 150  # the server's own guard against a slow query
SETUP_BUDGET_S = 10.0        # creating and seeding the table at start
REDIS_TIMEOUT_S = 0.050      # connect and each reply (timeout on)
DB_BACKOFF_S = 0.020         # before the one retry, plus up to as much again in jitter
REDIS_BACKOFF_S = 0.005
CACHE_TTL_S = 5              # the cache-aside copy
STALE_TTL_S = 7 * 24 * 3600  # the last-known-good copy
SEED_NOTES = 200
PRIME_LIMIT = 10_000         # last-known-good copies written at start

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format='%(asctime)s %(levelname)s %(name)s %(message)s')
log = logging.getLogger('notes')


def switched_off():
    names = {n.strip() for n in os.environ.get('RESILIENCE_OFF', '').split(',') if n.strip()}
    unknown = sorted(names - set(PATTERNS))
    if unknown:
        # a typo would leave a pattern on while the run believes it off
        sys.exit(f"RESILIENCE_OFF names {', '.join(unknown)}, which this service does not have; its patterns are: {', '.join(PATTERNS)}")
    return names


OFF = switched_off()


def on(pattern):
    return pattern not in OFF


class DbTimeout(Exception):
    """A Postgres call ran out of its time budget (the timeout pattern)."""


class Unavailable(Exception):
    """A dependency failed; `status` is what the client gets when nothing else can answer."""

    def __init__(self, what, status=503):
        super().__init__(what)
        self.status = status


# ---------------------------------------------------------------- Postgres

_local = threading.local()


def _wait_with_deadline(conn):
    """psycopg2's wait callback: libpq runs non-blocking and we wait on its socket, up to the deadline."""
    deadline = getattr(_local, 'deadline', None)
    while True:
        state = conn.poll()
        if state == psycopg2.extensions.POLL_OK:
            return
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise DbTimeout('Postgres did not answer within its budget')
        if state == psycopg2.extensions.POLL_READ:
            ready = select.select([conn.fileno()], [], [], left)[0]
        elif state == psycopg2.extensions.POLL_WRITE:
            ready = select.select([], [conn.fileno()], [], left)[1]
        else:
            raise psycopg2.OperationalError(f'unexpected poll state {state}')
        if not ready:
            raise DbTimeout('Postgres did not answer within its budget')


if on('timeout'):
    psycopg2.extensions.set_wait_callback(_wait_with_deadline)


class Pool:
    """Idle connections, newest first; a connection in doubt is closed, never returned."""

    def __init__(self, dsn, keep):
        self.dsn = dsn
        self.keep = keep
        self.idle = []
        self.lock = threading.Lock()

    def take(self, fresh=False):
        """An idle connection (newest first) or, with fresh or none idle, a new one."""
        while not fresh:
            with self.lock:
                if not self.idle:
                    break
                conn = self.idle.pop()
            if on('retry') and readable(conn):
                # an idle connection has nothing to say unless the server closed it (restart,
                # partition): drop it before a statement is lost on it
                count('db_stale_connections')
                discard(conn)
                continue
            return conn
        options = f'-c statement_timeout={DB_STATEMENT_TIMEOUT_MS}' if on('timeout') else ''
        conn = psycopg2.connect(self.dsn, application_name='notes', options=options)
        conn.autocommit = True
        return conn

    def give_back(self, conn):
        with self.lock:
            if len(self.idle) < self.keep and not conn.closed:
                self.idle.append(conn)
                return
        discard(conn)


def readable(conn):
    try:
        return bool(select.select([conn.fileno()], [], [], 0)[0])
    except (OSError, ValueError, psycopg2.InterfaceError):
        return True


def discard(conn):
    try:
        conn.close()
    except Exception:
        pass


pool = Pool(DATABASE_URL, THREADS)


def broken_connection(error):
    """Reset, refused, closed: worth one more try on a fresh connection. A cancelled statement is not."""
    return isinstance(error, (psycopg2.OperationalError, psycopg2.InterfaceError)) and not isinstance(error, psycopg2.errors.QueryCanceled)


def db(work, write=False, budget=DB_BUDGET_S):
    """Runs work(cursor) on a pooled connection: within the budget (timeout), tried twice on a broken connection (retry)."""
    deadline = time.monotonic() + budget if on('timeout') else None
    attempts = 2 if on('retry') else 1
    for attempt in range(1, attempts + 1):
        _local.deadline = deadline
        conn, sent = None, False
        try:
            # the retry dials a new connection: the idle ones likely broke the same way
            conn = pool.take(fresh=attempt > 1)
            with conn.cursor() as cur:
                sent = True
                result = work(cur)
            pool.give_back(conn)
            dependency('postgres', True)
            return result
        except DbTimeout:
            if conn is not None:
                discard(conn)  # a statement may still be in flight on it
            count('db_timeouts')
            dependency('postgres', False, 'timed out')
            raise Unavailable('Postgres timed out', 504)
        except psycopg2.errors.QueryCanceled:
            pool.give_back(conn)
            count('db_timeouts')
            dependency('postgres', False, 'statement timeout')
            raise Unavailable('Postgres cancelled a slow statement', 504)
        except (psycopg2.OperationalError, psycopg2.InterfaceError) as error:
            if conn is not None:
                discard(conn)
            count('db_errors')
            dependency('postgres', False, first_line(error))
            # a write is retried only when it cannot have reached the server (never twice the same insert)
            may_retry = attempt < attempts and broken_connection(error) and (not write or not sent)
            if not may_retry:
                raise Unavailable(f'Postgres failed: {first_line(error)}')
            count('db_retries')
            pause = DB_BACKOFF_S * (1 + random.random())
            if deadline is not None and time.monotonic() + pause >= deadline:
                raise Unavailable('Postgres failed and no budget is left to retry', 504)
            time.sleep(pause)
        except Exception:
            if conn is not None:
                discard(conn)  # a programming or data error: not the connection's fault, but do not reuse it mid-state
            raise
        finally:
            _local.deadline = None
    raise AssertionError('unreachable')


def first_line(error):
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


# ---------------------------------------------------------------- Redis

cache_client = redis.Redis.from_url(
    REDIS_URL,
    socket_timeout=REDIS_TIMEOUT_S if on('timeout') else None,
    socket_connect_timeout=REDIS_TIMEOUT_S if on('timeout') else None,
)


def cache(work):
    """Runs work(client) against Redis. With cache-bypass on, any Redis failure is a miss (None) and
    the rest of this request skips Redis; with it off, the failure fails the request."""
    if getattr(_local, 'cache_down', False):
        return None
    attempts = 2 if on('retry') else 1
    for attempt in range(1, attempts + 1):
        try:
            result = work(cache_client)
            dependency('redis', True)
            return result
        except redis.TimeoutError as error:
            count('cache_timeouts')
            failure = error
            break  # the budget is spent: no retry on a timeout
        except redis.ConnectionError as error:
            count('cache_errors')
            failure = error
            if attempt < attempts:
                count('cache_retries')
                time.sleep(REDIS_BACKOFF_S * (1 + random.random()))
        except redis.RedisError as error:
            count('cache_errors')
            failure = error
            break
    dependency('redis', False, first_line(failure))
    if not on('cache-bypass'):
        raise Unavailable(f'Redis failed: {first_line(failure)}', 500)
    _local.cache_down = True
    return None


def note_key(note_id):
    return f'notes:{note_id}'


def stale_key(note_id):
    return f'notes:{note_id}:last-good'


def remember(note_id, body):
    """The cache-aside copy (short TTL) and, with stale-cache on, the last-known-good copy: one round trip."""
    def write(client):
        pipe = client.pipeline(transaction=False)
        pipe.set(note_key(note_id), body, ex=CACHE_TTL_S)
        if on('stale-cache'):
            pipe.set(stale_key(note_id), body, ex=STALE_TTL_S)
        return pipe.execute()
    cache(write)


# ---------------------------------------------------------------- state shown by /health, logged on change

counts = {}
counts_lock = threading.Lock()
dependency_state = {}
ready = threading.Event()
setup_error = {'text': None}


def count(name):
    with counts_lock:
        counts[name] = counts.get(name, 0) + 1


def dependency(name, up, why=''):
    """Logs a dependency going down or coming back, once per change (not once per request)."""
    if dependency_state.get(name, True) == up:
        return
    with counts_lock:
        if dependency_state.get(name, True) == up:
            return
        dependency_state[name] = up
    if up:
        log.info('%s answers again', name)
    else:
        log.warning('%s failing: %s', name, why)


# ---------------------------------------------------------------- set-up, in the background

SCHEMA = """
CREATE TABLE IF NOT EXISTS notes (
    id         bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    title      text NOT NULL,
    body       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
)"""
SEED = """
INSERT INTO notes (id, title, body, created_at)
SELECT g, 'Note ' || g, 'Seeded note number ' || g || '. ' || repeat('Lorem ipsum dolor sit amet. ', 1 + mod(g, 5)),
       timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour'
FROM generate_series(1, %s) AS g
ON CONFLICT (id) DO NOTHING"""
# ids given by hand do not move the identity: start new notes after the highest id
ADVANCE = "SELECT setval(pg_get_serial_sequence('notes', 'id'), GREATEST((SELECT max(id) FROM notes), 1))"


def set_up():
    """Creates and seeds the table (idempotent), primes the last-known-good copies, then turns ready.
    Retries until Postgres answers: the service starts and answers /health meanwhile."""
    delay = 0.2
    while True:
        try:
            def create(cur):
                cur.execute(SCHEMA)
                cur.execute(SEED, (SEED_NOTES,))
                cur.execute(ADVANCE)
            db(create, budget=SETUP_BUDGET_S)
            break
        except Exception as error:  # noqa: BLE001 - whatever it was, try again
            text = str(error)
            if text != setup_error['text']:
                log.warning('set-up failed, retrying: %s', text)
            setup_error['text'] = text
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
    setup_error['text'] = None
    if on('stale-cache'):
        prime()
    ready.set()
    log.info('ready on %s:%d (patterns off: %s)', HOST, PORT, ', '.join(sorted(OFF)) or 'none')


def prime():
    """A last-known-good copy of every note before the first request, so the stale cache covers notes
    nobody has read yet. A failure is logged and the service serves anyway."""
    try:
        rows = db(lambda cur: (cur.execute('SELECT id, title, body, created_at FROM notes ORDER BY id LIMIT %s', (PRIME_LIMIT,)), cur.fetchall())[1], budget=SETUP_BUDGET_S)
        pipe = cache_client.pipeline(transaction=False)
        for row in rows:
            pipe.set(stale_key(row[0]), encode(row), ex=STALE_TTL_S)
        pipe.execute()
        log.info('primed %d last-known-good copies', len(rows))
    except Exception as error:  # noqa: BLE001
        log.warning('could not prime the last-known-good copies, serving anyway: %s', first_line(error))


# ---------------------------------------------------------------- HTTP

app = Flask(__name__)


def encode(row):
    note_id, title, body, created_at = row
    return json.dumps({'id': note_id, 'title': title, 'body': body, 'createdAt': created_at.isoformat()})


def problem(status, text):
    return jsonify({'error': text}), status


@app.before_request
def fresh_request():
    _local.cache_down = False
    if not ready.is_set() and request.path != '/health':
        # before the seed a write could take a seeded id, and the stale cache is not primed yet
        return problem(503, 'starting: the notes table is not set up yet')
    return None


@app.errorhandler(Unavailable)
def unavailable(error):
    return problem(error.status, str(error))


@app.get('/health')
def health():
    with counts_lock:
        snapshot = dict(counts)
    body = {
        'status': 'ok' if ready.is_set() else 'starting',
        'pid': os.getpid(),
        'patternsOff': sorted(OFF),
        'counts': snapshot,
    }
    if not ready.is_set():
        body['error'] = setup_error['text']
    return jsonify(body), 200 if ready.is_set() else 503


@app.get('/notes/<int:note_id>')
def get_note(note_id):
    cached = cache(lambda client: client.get(note_key(note_id)))
    if cached is not None:
        return Response(cached, 200, mimetype='application/json', headers={'X-Cache': 'hit'})
    try:
        row = db(lambda cur: (cur.execute('SELECT id, title, body, created_at FROM notes WHERE id = %s', (note_id,)), cur.fetchone())[1])
    except Unavailable:
        if on('stale-cache'):
            stale = cache(lambda client: client.get(stale_key(note_id)))
            if stale is not None:
                count('stale_answers')
                return Response(stale, 200, mimetype='application/json', headers={'X-Degraded': 'stale-cache'})
        raise
    if row is None:
        return problem(404, f'no note {note_id}')
    body = encode(row)
    remember(note_id, body)
    return Response(body, 200, mimetype='application/json', headers={'X-Cache': 'miss'})


@app.get('/notes')
def list_notes():
    try:
        limit = int(request.args.get('limit', '20'))
    except ValueError:
        return problem(400, 'limit must be a whole number')
    if not 1 <= limit <= 100:
        return problem(400, 'limit must be in 1..100')
    rows = db(lambda cur: (cur.execute('SELECT id, title, body, created_at FROM notes ORDER BY id DESC LIMIT %s', (limit,)), cur.fetchall())[1])
    return Response('[' + ','.join(encode(r) for r in rows) + ']', 200, mimetype='application/json')


@app.post('/notes')
def create_note():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return problem(400, 'the body must be a JSON object: {"title": "...", "body": "..."}')
    title, body = data.get('title'), data.get('body', '')
    if not isinstance(title, str) or not 1 <= len(title.strip()) <= 200:
        return problem(400, 'title must be a string of 1..200 characters')
    if not isinstance(body, str) or len(body) > 10_000:
        return problem(400, 'body must be a string of at most 10000 characters')
    row = db(lambda cur: (cur.execute('INSERT INTO notes (title, body) VALUES (%s, %s) RETURNING id, title, body, created_at', (title.strip(), body)), cur.fetchone())[1], write=True)
    return Response(encode(row), 201, mimetype='application/json', headers={'Location': f'/notes/{row[0]}'})


def main():
    import waitress

    # as PID 1 in a container the default SIGTERM disposition is ignored: exit on it ourselves
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    threading.Thread(target=set_up, name='set-up', daemon=True).start()
    log.info('notes starting on %s:%d, Postgres %s, Redis %s', HOST, PORT, DATABASE_URL, REDIS_URL)
    waitress.serve(app, host=HOST, port=PORT, threads=THREADS, connection_limit=200, channel_timeout=30, ident='notes')


if __name__ == '__main__':
    main()
