#!/usr/bin/python3
# sk_wsgi: the smallest WSGI app, for gunicorn under tinyhold:
# answers "gunicorn restart R" with R from TINYHOLD_RESTARTS.
import os


def app(environ, start_response):
    body = ("gunicorn restart %s\n" % os.environ.get("TINYHOLD_RESTARTS", "-")).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
