"""Background work: a durable job table, handlers registered by kind, and the worker that drains it.

Jobs are rows (``jobs`` table) so they survive restarts and can be enqueued inside the same
transaction as the change that causes them. By default the web process runs a worker thread of its
own ("in-process"); at scale, ``o2c worker`` processes on any number of machines claim jobs from
PostgreSQL with ``SELECT ... FOR UPDATE SKIP LOCKED``, so no two workers ever take the same job.
"""
