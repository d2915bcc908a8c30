"""The data layer's one user-facing error: a store that cannot be used, and why, naming it."""


class StoreError(Exception):
    """A store problem with one clear reason (printable as is)."""
