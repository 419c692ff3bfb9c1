"""Background work: a transactional outbox relayed to RQ (or run in-process), idempotent jobs.

A job row is written in the same transaction as the change that needs it; after the commit it
is handed to RQ (``REDIS_URL`` set) or run in the same process (embedded mode). A sweep
re-enqueues what Redis never got and what a dead worker abandoned. Users see each job's
state: queued, running, done, failed (with the reason), and can retry.
"""
