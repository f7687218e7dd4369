"""The yardstick for the production benchmark: a bare Flask endpoint returning a fixed string."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def index() -> str:
    return "ok"
