"""Exact parsing of Kubernetes resource.Quantity strings (accounting doc section 4)."""

import math
import re
from fractions import Fraction

_SUFFIXES = {
    "": Fraction(1),
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 10**3),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
    "Ki": Fraction(2**10),
    "Mi": Fraction(2**20),
    "Gi": Fraction(2**30),
    "Ti": Fraction(2**40),
    "Pi": Fraction(2**50),
    "Ei": Fraction(2**60),
}

_GRAMMAR = re.compile(
    r"^(?P<sign>[+-]?)(?P<number>[0-9]+\.?[0-9]*|\.[0-9]+)"
    r"(?P<suffix>[numkMGTPE]|[KMGTPE]i|[eE][+-]?[0-9]+|)$")


def parse(text):
    """Returns the exact value of a quantity string (or a JSON number) as a Fraction.

    Raises ValueError naming the string when it does not follow the grammar.
    """
    if isinstance(text, (int, float)):
        return Fraction(text)
    match = _GRAMMAR.match(text)
    if not match:
        raise ValueError(f"not a Kubernetes quantity: {text!r}")
    value = Fraction(match.group("number"))
    suffix = match.group("suffix")
    if suffix[:1] in ("e", "E") and len(suffix) > 1:
        value *= Fraction(10) ** int(suffix[1:])
    else:
        value *= _SUFFIXES[suffix]
    return -value if match.group("sign") == "-" else value


def milli(text):
    """MilliValue(): thousandths, rounded up away from zero."""
    value = parse(text) * 1000
    return math.ceil(value) if value >= 0 else math.floor(value)


def value(text):
    """Value(): whole units, rounded up away from zero."""
    exact = parse(text)
    return math.ceil(exact) if exact >= 0 else math.floor(exact)
