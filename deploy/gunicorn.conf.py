"""gunicorn settings for production: ``gunicorn -c deploy/gunicorn.conf.py 'app:create_app()'``.

Threads, not sync workers: idle keep-alive or pre-opened browser connections would each hold a
whole sync worker (tests/ui/test_demo_serving.py); behind nginx, which buffers, threads also let a
worker overlap its database waits. Every value can be overridden from the environment file.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
# Workers use the cores; threads cover the time a request waits for the database or a platform.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# A request that takes longer than this is stuck: the worker is replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
# On HUP or TERM, requests in flight get this long to finish before the worker is stopped.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 25))
# Well above nginx's upstream keepalive_timeout (4 s, deploy/nginx/mentoring.conf): whoever closes
# an idle connection first must be nginx, or a POST may meet a closing connection (a 502). With
# 5 s against 4 s a loaded machine still met the race once in 1,500 requests (benchmarks/scale.py).
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 15))
# A worker is recycled after this many requests (with jitter, so they do not all restart at once).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = max_requests // 10
# X-Forwarded-* are believed only from the proxy's address (the app's ProxyFix, PROXY_FIX_HOPS,
# reads them; gunicorn's own handling is limited to the same addresses).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Access logs without query strings: session tokens travel in URLs (nginx logs requests too).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # empty: no access log (nginx keeps one)
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
# Signals (systemd's reload is a HUP) are the interface; gunicorn 23+'s control socket would be one
# path shared by every node on the host.
control_socket_disable = True
# Load the app once in the master: workers fork with it (faster start, shared pages).
preload_app = os.environ.get("GUNICORN_PRELOAD", "on") == "on"
