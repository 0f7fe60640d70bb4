"""Statistical disclosure control: every published table and figure passes through here."""
from pipeline.disclosure.suppress import SUPPRESSED, suppress_counts, suppress_estimates

__all__ = ["SUPPRESSED", "suppress_counts", "suppress_estimates"]
