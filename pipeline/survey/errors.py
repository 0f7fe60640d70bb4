"""The survey engine's error, in a module of its own: the design and its results both raise it, and
neither imports the other for it (no import cycle)."""


class DesignError(ValueError):
    """A design or an estimate that cannot be made as asked (unknown term, empty domain, ...)."""
