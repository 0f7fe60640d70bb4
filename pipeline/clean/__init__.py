"""Clean and harmonise raw sources into the validated, pseudonymised analysis set.

Heavy modules load on first use, so that importing the error types (e.g. on the no-op path of
`make report`) stays cheap."""
from pipeline.clean.errors import InputError, Problem

__all__ = ["InputError", "Problem", "clean_frame", "clean_source"]


def __getattr__(name):
    if name in ("clean_frame", "clean_source"):
        from pipeline.clean import run
        return getattr(run, name)
    raise AttributeError(name)
