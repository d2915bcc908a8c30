"""Background jobs with their state in the store: submit, progress, outcome.

``JobStore`` (``toolkit.jobs.store``) is the state: one row per job in ``jobs`` on the shared
``METADATA``, so a page reload, another app worker or a restarted server sees the same job.
A ``Runner`` (``toolkit.jobs.runner``) executes them; ``InProcessRunner`` is the embedded-SQLite
default (threads of the app process). The interface is small so a procrastinate backend (a
queue living in PostgreSQL, shared by several app servers) can take its place: it must call
the same handlers with the same ``Progress`` and write the same rows.
"""
