"""`flask jobs worker`: a job consumer with the app's configuration."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from factory.jobs.queue import huey

cli = AppGroup("jobs", help="Background jobs.")


@cli.command("worker")
@click.option("--workers", default=2, show_default=True, help="Jobs run at once by this consumer.")
def worker(workers: int) -> None:
    """Run a job consumer (several may run at once, on several machines when the storage is Redis)."""
    storage = current_app.config.get("HUEY_URL") or huey.storage_kwargs.get("filename")
    click.echo(f"job consumer: {workers} worker(s), storage {storage}")
    # An idle consumer looks for work at most a second apart (Huey's default backs off to 10 s): an organiser
    # who starts printing a period's slips sees the job start at once; polling the storage is cheap.
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=False, max_delay=1.0)
    consumer.run()
