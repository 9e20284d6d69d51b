"""The built-in activity monitor: HTTPS pages of who is connected, who blocks whom, what is rolling back and what
was killed, a kill button on the one kill path, and ``/metrics`` for Prometheus (docs/design/monitor.md)."""
