"""What a directorate page shows of which chapter, and which directorates get a page with targets of
their own. The report build keys the page steps on it on every run (also a no-op rerun), without
pandas; `pipeline.chapters.directorate` makes the pages.
"""
from __future__ import annotations

# The survey indicators of a page: (chapter, table of the per-directorate level, overall table, indicator, label)
SURVEY = (("02_inclusie", "dir:inclusion", "levels", "inclusion", "Ervaren inclusie (NIM, 1–5)"),
          ("03_veiligheid", "dir:psych_safety", "levels", "psych_safety", "Psychologische veiligheid (MTO, 1–7)"),
          ("03_veiligheid", "dir:social_safety", "levels", "social_safety", "Sociale veiligheid (MTO, 1–5)"),
          ("05_discriminatie", "dir:ervaren_discriminatie", None, "ervaren_discriminatie",
           "Ervaren discriminatie, 12 maanden (aandeel)"),
          ("05_discriminatie", "dir:kent_routekaart", None, "kent_routekaart",
           "Kent de Routekaart Discriminatie (aandeel)"))
# exit reasons of a directorate's leavers: (chapter, per-directorate table, overall table)
EXIT = ("09_exitfeedback", "dir:reasons", "reasons")
USES = tuple(dict.fromkeys([*(s[0] for s in SURVEY), EXIT[0]]))


def plans(targets) -> set[str]:
    """Directorates with targets of their own (an action plan)."""
    return {c for t in targets if not t.organisation for c in t.scope}
