"""The app as the production benchmark serves it: create_app() plus two yardsticks inside the same app.

`/bench/ok` (public) returns a fixed string through everything every request passes (session cookie, CSRF,
locale, security headers, the commit at the edge); `/bench/auth` (workers) adds the session lookup and the
access check. They show how much of a page's cost is the request's frame and how much is the page.
"""

from factory import create_app
from factory.access import allow, public

app = create_app()


@public
def ok() -> str:
    return "ok"


@allow("worker")
def auth() -> str:
    return "ok"


app.add_url_rule("/bench/ok", "bench_ok", ok)
app.add_url_rule("/bench/auth", "bench_auth", auth)
