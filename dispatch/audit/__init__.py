"""The append-only audit log: written by a flush hook for every model, read on its page."""
