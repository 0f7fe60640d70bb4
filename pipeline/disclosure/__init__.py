"""Statistical disclosure control: every published table and figure passes through here."""
from pipeline.disclosure.errors import SUPPRESSED, DisclosureError

__all__ = ["SUPPRESSED", "DisclosureError", "suppress_counts", "suppress_estimates"]


def __getattr__(name):
    if name in ("suppress_counts", "suppress_estimates"):
        from pipeline.disclosure import suppress
        return getattr(suppress, name)
    raise AttributeError(name)
