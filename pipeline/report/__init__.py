"""Report orchestration: execute chapter notebooks, render HTML, write the index."""
