"""Chapter analyses built on the survey engine: group gaps, summaries."""
