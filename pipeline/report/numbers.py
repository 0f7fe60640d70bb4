"""Dutch number formatting for everything a reviewer reads (pages, chart ticks, generated texts).

Why: one place, one library. Babel knows the Dutch conventions (decimal comma, thousands dot); this
module only adds what a reader needs on top: no "-0,000", years without separators, p-values below
0,001 as "<0,001", and a dash for values that cannot be shown (infinite or missing).
"""
from __future__ import annotations

import decimal as _decimal
import math

from babel import numbers as _babel

LOCALE = "nl_NL"
NBSP = "\u00a0"
MISSING = "–"


def format_decimal(v, format: str) -> str:  # noqa: A002 - Babel's name
    """Babel with rounding half away from zero (3,25 -> 3,3), as Dutch statistics publish it."""
    with _decimal.localcontext() as ctx:
        ctx.rounding = _decimal.ROUND_HALF_UP
        return _babel.format_decimal(v, format=format, locale=LOCALE)


def format_percent(v, format: str) -> str:  # noqa: A002
    with _decimal.localcontext() as ctx:
        ctx.rounding = _decimal.ROUND_HALF_UP
        return _babel.format_percent(v, format=format, locale=LOCALE)


def _finite(v) -> bool:
    try:
        return v is not None and math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def _unsigned_zero(v: float, decimals: int) -> float:
    """A value that rounds to zero is shown as 0 (never "-0,000")."""
    return 0.0 if round(float(v), decimals) == 0 else float(v)


def decimal(v, decimals: int = 2, sign: bool = False) -> str:
    """1234.5 -> "1.234,50"; `sign`: "+0,17" / "−0,04" (a real minus sign) for changes."""
    if not _finite(v):
        return MISSING
    x = _unsigned_zero(v, decimals)
    text = format_decimal(abs(x), format="#,##0." + "0" * decimals if decimals else "#,##0")
    if sign:
        return ("+" if x > 0 else "−" if x < 0 else "") + text
    return ("−" if x < 0 else "") + text  # a real minus sign, as in the signed changes


def integer(v) -> str:
    """12345 -> "12.345"."""
    return decimal(v, 0)


def percent(v, decimals: int = 1, sign: bool = False) -> str:
    """A share 0.242 -> "24,2 %" (non-breaking space); `sign` for a change in percentage points."""
    if not _finite(v):
        return MISSING
    x = _unsigned_zero(100 * float(v), decimals) / 100
    text = format_percent(abs(x) if sign else x, format="#,##0" + ("." + "0" * decimals if decimals else "") + "%")
    text = text.replace("%", NBSP + "%")
    if sign:
        return ("+" if x > 0 else "−" if x < 0 else "") + text
    return text


def points(v, decimals: int = 1) -> str:
    """A change of a share in percentage points: 0.0065 -> "+0,6 procentpunt"."""
    if not _finite(v):
        return MISSING
    return decimal(100 * float(v), decimals, sign=True) + NBSP + "procentpunt"


def pvalue(p, alpha: float = 0.05) -> str:
    """p below 0,001 as "<0,001", else three decimals — except just below `alpha`, where rounding would
    print "0,050" next to the verdict "aantoonbaar": that p is shown as "<0,050"."""
    if not _finite(p):
        return MISSING
    p = float(p)
    if p < 0.001:
        return "<0,001"
    if p < alpha <= round(p, 3):
        return "<" + decimal(alpha, 3)
    return decimal(p, 3)


def year(v) -> str:
    """2019 -> "2019" (years never get a thousands separator)."""
    try:
        return str(int(v))
    except (TypeError, ValueError):
        return str(v)


def tick_percent(v, _pos=None) -> str:
    """Matplotlib tick label of a share axis: whole percentages."""
    return percent(v, 0)


def tick_decimal(decimals: int = 1):
    """Matplotlib tick formatter with a decimal comma."""
    return lambda v, _pos=None: decimal(v, decimals)
