"""The careless-responding rule of config `careless`: defaults and checks (no numpy or pandas, so
the settings check stays cheap; the signals are in pipeline.clean.careless)."""
from __future__ import annotations

FLAG = "onzorgvuldig"            # any signal fired
SIGNALS = ("longstring", "speed", "mahalanobis")
SIGNAL_COLUMNS = {s: f"{FLAG}_{s}" for s in SIGNALS}
ACTIONS = ("exclude", "keep")
DEFAULT_RULE = {"action": "exclude", "longstring": {"min_run": {}}, "speed": {"min_minutes": 3.0},
                "mahalanobis": {"alpha": 0.0001}}
REASON_NL = {"longstring": "rechte lijn (lange reeks gelijke antwoorden)",
             "speed": "te snel ingevuld (< {min_minutes:g} min)",
             "mahalanobis": "onwaarschijnlijk antwoordpatroon (Mahalanobis-afstand)"}


def rule_from(raw: dict | None) -> dict:
    """The declared rule (config `careless`) with defaults for what is not declared; a signal set to
    null is switched off."""
    rule = {k: (dict(v) if isinstance(v, dict) else v) for k, v in DEFAULT_RULE.items()}
    for k, v in (raw or {}).items():
        rule[k] = v
    return rule


def check_rule(raw) -> list[str]:
    """Problems in a declared rule (for pipeline.settings' one-message check)."""
    if raw is None:
        return []
    if not isinstance(raw, dict):
        return ["careless: expected a mapping"]
    problems = [f"careless: unknown key '{k}' (known: action, {', '.join(SIGNALS)})"
                for k in raw if k not in ("action", *SIGNALS)]
    if raw.get("action", "exclude") not in ACTIONS:
        problems.append(f"careless.action: expected one of {', '.join(ACTIONS)}, got {raw.get('action')!r}")
    keys = {"longstring": "min_run", "speed": "min_minutes", "mahalanobis": "alpha"}
    for s, key in keys.items():
        v = raw.get(s, {})
        if v is None:
            continue
        val = v.get(key, 1) if isinstance(v, dict) else None
        nums = list(val.values()) if isinstance(val, dict) and s == "longstring" else [val]
        if not isinstance(v, dict) or set(v) - {key} or not all(isinstance(x, (int, float)) for x in nums):
            problems.append(f"careless.{s}: expected {{{key}: <number>}}"
                            f"{' (or a number per source)' if s == 'longstring' else ''} or null")
    alpha = (raw.get("mahalanobis") or {}).get("alpha", 0.001)
    if not 0 < alpha < 1:
        problems.append(f"careless.mahalanobis.alpha: expected a probability, got {alpha!r}")
    return problems
