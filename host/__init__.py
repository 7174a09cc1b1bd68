"""The composition root: the one place a ``prepbot serve`` process is wired.

:mod:`host.process` builds settings' logging, the database and the core, the
scheduler and the HTTP endpoints (:mod:`host.web`: ``/healthz``, ``/metrics`` and
whatever routes the connector adds) once, and runs the connector of the named
platform, imported by name so a process loads only its own platform's SDK.
"""
