"""A Celery worker for the fault checks: `python -m tests.faults.worker <visibility timeout s, 0 = default>`.

The app's own settings keep Redis's one-hour visibility timeout, and kombu sweeps for abandoned messages only
about every 100 s (unacked_restore_interval 10 s × throttle 10); the worker-killed check needs seconds, so both
are set here, for this process only, before the worker starts.
"""

import sys

from config.celery import app


def main() -> None:
    visibility_timeout = float(sys.argv[1]) if len(sys.argv) > 1 else 0
    if visibility_timeout:
        app.conf.broker_transport_options = {
            **(app.conf.broker_transport_options or {}),
            "visibility_timeout": visibility_timeout,
            "unacked_restore_interval": 1,
            "unacked_restore_throttle": 1,
        }
    app.worker_main(
        [
            "worker",
            "--pool=solo",
            "--loglevel=warning",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ]
    )


if __name__ == "__main__":
    main()
