"""Statistical disclosure control: every published table and figure passes through `publish`."""
from pipeline.disclosure.errors import SUPPRESSED, DisclosureError

__all__ = ["SUPPRESSED", "DisclosureError"]
