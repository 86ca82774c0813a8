# The smallest WSGI app (app) and ASGI app (asgi), for the Python servers that
# take the socket from tinyhold by themselves:
#   tinyhold -p 8080 -- gunicorn hello:app
#   tinyhold -p 8080 -- uvicorn --fd 3 hello:asgi
# (docs/servers.md lists them all, with uWSGI and Twisted.) The reply names the restart.
import os


def body():
    return ("hello from python, restart %s\n" % os.environ.get("TINYHOLD_RESTARTS", "-")).encode()


def app(environ, start_response):
    b = body()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(b)))])
    return [b]


async def asgi(scope, receive, send):
    if scope["type"] != "http":
        return
    b = body()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", b"%d" % len(b))]})
    await send({"type": "http.response.body", "body": b})
