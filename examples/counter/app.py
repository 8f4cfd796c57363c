# A two-part system for faultline's README: a Flask counter on Redis. GET /hits counts a visit.
# Its one resilience pattern: Redis calls time out after 100 ms, and then the answer is served
# without the count, marked X-Degraded. OFF=timeout switches that off (a call waits as long as Redis).
import os

import redis
from flask import Flask

off = set(filter(None, os.environ.get("OFF", "").split(",")))
timeout = None if "timeout" in off else 0.1
cache = redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=timeout, socket_connect_timeout=timeout)
app = Flask(__name__)


@app.get("/hits")
def hits():
    try:
        return {"hits": cache.incr("hits")}
    except redis.RedisError:
        return {"hits": None}, 200, {"X-Degraded": "no-count"}


@app.get("/health")
def health():
    return "ok"


app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ["PORT"]), threaded=True)
