"""AgentOS PII redaction (DESIGN.md "PII"): ``[REDACTED: KIND]`` in place of the value.

* Category A, always: SSN, card number (Luhn-checked), bank account / IBAN (mod-97
  checked), API keys and tokens (known prefixes, ``Bearer``, JWTs, ``api_key=…``, long
  random-looking strings), passwords (``password=…``, ``pwd:``, URL credentials).
* Category B, by default: email, phone, street address, full name after a label
  (``name:``, ``customer:``; capitalised words), date of birth after dob/born.
* Category C, when configured: IP address, user ids (``user_id=…``), location.

Labelled values keep their label (``password=[REDACTED: PASSWORD]``). Overlapping
findings merge into one redaction of the highest-priority kind, so nothing is left
half-shown.

Speed: Python's ``re`` spends ~10 ns per character on a pattern that does not start
with a literal, so ~30 patterns over every character would take milliseconds. So:
key patterns start with their literal (``sk-``, ``AKIA``), which ``re`` finds with a
fast substring search; labelled rules are tried only where their label word occurs
(``str.find`` on the lowercased text); number, street and e-mail rules run in windows
around digit runs, street suffixes and ``@``; only the random-looking-string rule
scans everything. A 4 KiB note takes a few hundred microseconds. Numbers are ASCII
digits. :meth:`Redactor.scan_everything` is the slow reference that the tests hold
the fast path to.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

Finding = tuple[str, int, int]
CATEGORIES = frozenset({"A", "B", "C"})
Check = Callable[[re.Match[str]], bool]

# ---- validators -------------------------------------------------------------------


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _card_span(match: re.Match[str]) -> tuple[int, int] | None:
    """The widest run of whole digit groups that is a Luhn-valid 13 to 19 digit number
    starting 2 to 6: a card glued to an unrelated number (``4111 1111 1111 1111 5``) is
    still found."""
    groups = [(m.start(), m.end(), m.group()) for m in re.finditer(r"\d+", match.group())]
    best: tuple[int, int] | None = None
    for i in range(len(groups)):
        digits = ""
        for j in range(i, len(groups)):
            digits += groups[j][2]
            if len(digits) > 19:
                break
            wider = best is None or groups[j][1] - groups[i][0] > best[1] - best[0]
            if wider and len(digits) >= 13 and digits[0] in "23456" and _luhn(digits):
                best = (groups[i][0], groups[j][1])
    return None if best is None else (match.start() + best[0], match.start() + best[1])


_URL_USER = re.compile(r"://[^/\s:@]+:\Z")


def _email_span(match: re.Match[str]) -> tuple[int, int] | None:
    """An address, not the ``key=`` before it nor a URL's ``user:password@host``."""
    start = match.start()
    if _URL_USER.search(match.string[max(0, start - 256) : start]):
        return None
    local = match.group().partition("@")[0]
    cut = local.rfind("=")
    if 0 <= cut < len(local) - 1:
        start += cut + 1
    return start, match.end()


def _iban_ok(match: re.Match[str]) -> bool:
    value = re.sub(r"\s", "", match.group()).upper()
    number = "".join(str(int(char, 36)) for char in value[4:] + value[:4])
    return 15 <= len(value) <= 34 and int(number) % 97 == 1


_LOWER_RUN = re.compile(r"[a-z]+")


def _random_looking(match: re.Match[str]) -> bool:
    """Mixed case, and either short lowercase runs (random) or several digits: words
    in camelCase (``ThisIsAnIdentifier``), paths, hex digests and UUIDs stay."""
    token = match.group()
    runs = [len(run) for run in _LOWER_RUN.findall(token)]
    if not runs or not any(c.isupper() for c in token):
        return False
    digits = sum(c.isdigit() for c in token)
    if sum(runs) / len(runs) > 2.6 and digits < 3:
        return False
    counts = Counter(token).values()
    return -sum(n / len(token) * math.log2(n / len(token)) for n in counts) >= 3.5


def _ipv4_ok(match: re.Match[str]) -> bool:
    return all(int(part) <= 255 for part in match.group().split("."))


def _token_like(match: re.Match[str]) -> bool:
    """Not a plain word: has a digit or symbol, or a capital past the first letter
    (``dXNlcjpwYXNz``); "Bearer tokens", "token=expired" stay."""
    value = match.group(match.lastindex or 0)
    return not value.isalpha() or any(c.isupper() for c in value[1:])


def _phone_ok(match: re.Match[str]) -> bool:
    return 7 <= sum(c.isdigit() for c in match.group(match.lastindex or 0)) <= 15


def _coords_ok(match: re.Match[str]) -> bool:
    lat, lon = (float(x) for x in re.split(r",\s*", match.group()))
    return abs(lat) <= 90 and abs(lon) <= 180


# ---- rules --------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One detector, and how it is reached (``where``):

    * ``scan``: over the whole text; cheap when the pattern starts with a literal
      (``sk-``, ``AKIA``), which ``re`` finds with a fast substring search.
    * ``words``: a labelled value (``password=…``, ``SSN 123…``); tried only where one
      of its ``words`` (lowercase first words of its labels) occurs.
    * ``digits`` / ``suffix`` / ``at``: in windows ``reach`` characters around a digit
      run, a street suffix (``Avenue``) or an ``@``.

    ``bounded`` rules must not start inside a word. A rule redacts its last group if
    any, or what its ``span`` function says (``None`` rejects the match).
    """

    kind: str
    category: str
    pattern: re.Pattern[str]
    where: str
    check: Check | None = None
    reach: tuple[int, int] = (2, 2)
    words: tuple[str, ...] = ()
    bounded: bool = False
    span: Callable[[re.Match[str]], tuple[int, int] | None] | None = None


_NOT_DONE = r"(?!\[REDACTED)"  # a value never starts inside a redaction: idempotent
_Q = rf"[\"']?+{_NOT_DONE}"  # an optional opening quote


def _phrases(words: str) -> tuple[str, tuple[str, ...]]:
    """``a b|c`` → a case-insensitive alternation (``_``, ``-``, space or nothing between
    words) and the lowercase first words that locate it."""
    phrases = words.split("|")
    alternatives = "|".join(re.escape(w).replace(r"\ ", "[ _-]?") for w in phrases)
    firsts = {w.split()[0] for w in phrases}
    # "pass" already finds "password": keep only the shortest first words.
    firsts = {w for w in firsts if not any(o != w and w.startswith(o) for o in firsts)}
    return alternatives, tuple(sorted(firsts))


def _label(kind: str, cat: str, words: str, value: str, check: Check | None = None) -> Rule:
    """``words``, an optional quote, ``:`` or ``=``, then ``value`` (its last group)."""
    alternatives, firsts = _phrases(words)
    regex = rf"\b(?i:{alternatives})[\"']?\s*[:=]\s*+{_NOT_DONE}{value}"
    return Rule(kind, cat, re.compile(regex), "words", check, words=firsts)


def _near_digits(kind: str, cat: str, words: str, value: str, check: Check | None = None) -> Rule:
    """A labelled number whose separator may be missing (``SSN 123456789``)."""
    alternatives, firsts = _phrases(words)
    # Not preceded by a letter (rather than \b): "25dob1990-01-02" is still a label, so
    # a value glued to the one before is redacted on the first pass, not the second.
    regex = rf"(?<![A-Za-z])(?i:{alternatives})\s*+[:=#]?\s*+{_NOT_DONE}({value})"
    return Rule(kind, cat, re.compile(regex), "words", check, words=firsts)


def _key(regex: str, check: Check | None = None) -> Rule:
    return Rule("API_KEY", "A", re.compile(regex), "scan", check, bounded=True)


_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_DATE = (
    rf"\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)? {_MONTH},? \d{{4}}|{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}"
)
_SUFFIXES = (
    "Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl"
    "|Terrace|Parkway|Pkwy|Circle|Square|Sq|Highway|Hwy"
)
_CAP = r"[A-Z](?:[A-Za-z'\u2019-]*[A-Za-z]|\.)?"  # a capitalised word or initial: O'Brien, J.
_LOCAL = r"A-Za-z0-9!#$%&'*+/=?^_`{|}~.-"
_HOST = (  # a domain: dot-separated labels, a TLD of letters (punycode allowed)
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
    r"\.[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]"
)
_UNIT = r"(?:,?\s+(?:Apt|Apartment|Suite|Unit|Flat|#)\.?\s*[\w-]+)?"
_CITY = rf"(?:,\s*{_CAP}(?:\s+{_CAP})*,?\s+[A-Z]{{2}}\s+[0-9]{{5}}(?:-[0-9]{{4}})?)?"
_AUTH_SCHEMES = ("Bearer", "bearer", "BEARER", "Basic", "basic", "BASIC")
_LABEL_OF = "full name|name|customer name|customer|patient|employee|contact|cardholder|account holder|recipient|passenger"  # noqa: E501
_KEY_OF = (
    "api key|apikey|access token|auth token|refresh token|client secret|secret key|secret|token"
)
_ACCOUNT_OF = "bank account number|bank account|account number|account no|account|acct|a/c|routing number|routing|sort code|iban"  # noqa: E501

# Order is priority: when findings overlap, the earlier rule names the merged one.
# A regex table reads best one rule to a line, so the formatter leaves it alone.
# fmt: off
RULES: tuple[Rule, ...] = (
    _key(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)"),
    Rule("PASSWORD", "A", re.compile(r"://[^/\s:@]+:([^/\s@]+)@"), "scan"),
    _label("PASSWORD", "A", "password|passwd|passphrase|pwd|pass", r"(\"[^\"\n]*\"|'[^'\n]*'|[^\s,;&\"']+)"),  # noqa: E501
    _key(r"sk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}"),
    *(_key(rf"{p}k_(?:live|test)_[A-Za-z0-9]{{10,}}") for p in "srp"),
    _key(r"A(?:KIA|SIA|GPA|IDA|ROA|NPA)[A-Z0-9]{16}(?![A-Za-z0-9])"),
    _key(r"AIza[0-9A-Za-z_-]{35}"),
    _key(r"gh(?:[pousr]_[A-Za-z0-9]{30,}|ithub_pat_[A-Za-z0-9_]{22,})"),
    _key(r"xox[abposr]-[A-Za-z0-9-]{10,}"),
    _key(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    # One literal per spelling: re finds a literal start fast, an IGNORECASE one slowly.
    *(_key(rf"{w}\s++{_NOT_DONE}([A-Za-z0-9._~+/=-]{{8,}})", _token_like) for w in _AUTH_SCHEMES),
    _label("API_KEY", "A", _KEY_OF, rf"{_Q}([A-Za-z0-9._~+/=-]{{8,}})", _token_like),
    Rule("SSN", "A", re.compile(r"[0-9](?<![\w-][0-9])[0-9]{2}-[0-9]{2}-[0-9]{4}(?![\w-])"), "digits"),  # noqa: E501
    _near_digits("SSN", "A", "ssn|social security number|social security no|social security", r"\d{3}[ -]?\d{2}[ -]?\d{4}\b"),  # noqa: E501
    Rule("CARD", "A", re.compile(r"[0-9](?<![\w-][0-9])[0-9]{3}(?:[ -]?[0-9]){9,22}(?![\w-])"), "digits", span=_card_span),  # noqa: E501
    Rule("BANK_ACCOUNT", "A", re.compile(r"[A-Z](?<!\w[A-Z])[A-Z][0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"), "digits", _iban_ok, reach=(48, 8)),  # noqa: E501
    _near_digits("BANK_ACCOUNT", "A", _ACCOUNT_OF, r"\d[\d -]{4,22}\d\b"),
    Rule("API_KEY", "A", re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/=_-]{28,}(?![A-Za-z0-9+/=_-])"), "scan", _random_looking),  # noqa: E501
    Rule("EMAIL", "B", re.compile(rf"(?<![{_LOCAL}])[{_LOCAL}]+@{_HOST}"), "at", reach=(320, 320), span=_email_span),  # noqa: E501
    _near_digits("DOB", "B", "dob|d.o.b.|d.o.b|date of birth|birth date|birthdate|birthday|born on|born", _DATE),  # noqa: E501
    Rule("PHONE", "B", re.compile(r"\+(?<![\w+]\+)[0-9]{1,3}(?:[ .-]?\([0-9]{1,4}\))?(?:[ .-]?[0-9]{1,5}){2,5}(?![\w-])"), "digits", _phone_ok, reach=(3, 2)),  # noqa: E501
    Rule("PHONE", "B", re.compile(r"(?:\((?<![\w.-]\()[0-9]{3}\)\s?|[0-9](?<![\w.-][0-9])[0-9]{2}[-. ])[0-9]{3}[-. ][0-9]{4}(?![\w-]|\.[0-9])"), "digits", reach=(3, 2)),  # noqa: E501
    _near_digits("PHONE", "B", "phone number|phone|tel|telephone|mobile|cell", r"\+?\d[\d ().-]{5,18}\d", _phone_ok),  # noqa: E501
    Rule("ADDRESS", "B", re.compile(rf"\b[0-9]{{1,5}}[A-Za-z]?\s+(?:{_CAP}\s+){{1,4}}(?:{_SUFFIXES})\b\.?{_UNIT}{_CITY}"), "suffix", reach=(120, 120)),  # noqa: E501
    _label("ADDRESS", "B", "address|addr|street", rf"{_Q}((?:(?!\.\s)[^\n;|\"']){{4,80}})"),
    _label("NAME", "B", _LABEL_OF, rf"{_Q}({_CAP}(?:[ \t]+{_CAP}){{0,3}})"),
    Rule("IP", "C", re.compile(r"[0-9](?<![\w.][0-9])[0-9]{0,2}(?:\.[0-9]{1,3}){3}(?![\w.]|\.[0-9])"), "digits", _ipv4_ok),  # noqa: E501
    Rule("IP", "C", re.compile(r"(?<![\w:])(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,5})?)(?![\w:])"), "scan"),  # noqa: E501
    _label("USER_ID", "C", "user id|userid|uid|customer id|account id|member id", rf"{_Q}([\w.@-]+)"),  # noqa: E501
    Rule("LOCATION", "C", re.compile(r"[-+0-9](?<![\w.][-+0-9])[0-9]{0,2}\.[0-9]{3,},\s*[-+]?[0-9]{1,3}\.[0-9]{3,}(?![\w.])"), "digits", _coords_ok),  # noqa: E501
    _label("LOCATION", "C", "location|geo|gps|coordinates|coords|city", rf"{_Q}({_CAP}(?:,?[ \t]+{_CAP}){{0,4}})"),  # noqa: E501
)
# fmt: on

_LOCATORS = {
    "digits": re.compile(r"[0-9][0-9 ().+,:/-]{4,}[0-9]"),
    "suffix": re.compile(rf"(?:{_SUFFIXES})\b"),
    "at": re.compile("@"),
}


def _windows(hits: list[tuple[int, int]], reach: tuple[int, int], size: int) -> list[list[int]]:
    """Spans ``reach`` around each hit; spans a few characters apart join, so a
    digit-dense text costs a few long searches rather than many short ones."""
    spans: list[list[int]] = []
    for hit_start, hit_end in hits:
        start, end = max(0, hit_start - reach[0]), min(size, hit_end + reach[1])
        if spans and start <= spans[-1][1] + 32:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    return spans


class Redactor:
    """Finds and masks PII of the given categories; category A is always included."""

    def __init__(self, categories: frozenset[str] = frozenset({"A", "B"})) -> None:
        unknown = set(categories) - CATEGORIES
        if unknown:
            raise ValueError(f"unknown PII categories {sorted(unknown)}; use A, B, C")
        self.categories = frozenset(categories) | {"A"}
        self._rules = [(rank, r) for rank, r in enumerate(RULES) if r.category in self.categories]

    def findings(self, text: str) -> list[Finding]:
        """``(kind, start, end)`` of each value to redact, in order, never overlapping."""
        found: list[tuple[int, int, int, str]] = []
        low = text.lower()
        # lower() can change the length ("İ"); then positions would not match: scan all.
        same = len(low) == len(text)
        hits: dict[str, list[tuple[int, int]]] = {}
        for rank, rule in self._rules:
            if rule.where == "scan" or (rule.where == "words" and not same):
                for match in rule.pattern.finditer(text):
                    self._keep(found, rank, rule, match)
            elif rule.where == "words":
                for word in rule.words:
                    position = low.find(word)
                    while position >= 0:
                        labelled = rule.pattern.match(text, position)
                        if labelled:
                            self._keep(found, rank, rule, labelled)
                        position = low.find(word, position + 1)
            else:
                if rule.where not in hits:
                    located = _LOCATORS[rule.where].finditer(text)
                    hits[rule.where] = [(m.start(), m.end()) for m in located]
                for start, end in _windows(hits[rule.where], rule.reach, len(text)):
                    for match in rule.pattern.finditer(text, start, end):
                        self._keep(found, rank, rule, match)
        return _merge(found)

    def scan_everything(self, text: str) -> list[Finding]:
        """The slow reference: every rule over the whole text (for tests)."""
        found: list[tuple[int, int, int, str]] = []
        for rank, rule in self._rules:
            for match in rule.pattern.finditer(text):
                self._keep(found, rank, rule, match)
        return _merge(found)

    @staticmethod
    def _keep(
        found: list[tuple[int, int, int, str]], rank: int, rule: Rule, match: re.Match[str]
    ) -> None:
        start = match.start()
        before = match.string[start - 1] if start else " "
        if rule.bounded and (before.isalnum() or before == "_"):
            return
        if rule.span is not None:
            span = rule.span(match)
        elif rule.check is not None and not rule.check(match):
            return
        else:
            group = match.lastindex or 0  # a labelled rule redacts its value, not the label
            span = match.start(group), match.end(group)
        if span is not None and span[1] > span[0]:
            found.append((span[0], span[1], rank, rule.kind))

    def redact(self, text: str) -> str:
        """``text`` with every finding replaced by ``[REDACTED: KIND]``.

        Passes repeat until nothing changes (at most three): a rule's left boundary
        depends on the character before it, and redacting a neighbour changes that
        character, so ``a@b.co-c@d.co`` would otherwise need a second call.
        """
        result = self._redact_once(text)
        for _ in range(2):
            if result == text:
                break
            text, result = result, self._redact_once(result)
        return result

    def _redact_once(self, text: str) -> str:
        parts: list[str] = []
        position = 0
        for kind, start, end in self.findings(text):
            parts += (text[position:start], f"[REDACTED: {kind}]")
            position = end
        return "".join(parts) + text[position:] if parts else text


def _merge(found: list[tuple[int, int, int, str]]) -> list[Finding]:
    """Overlapping findings become one, named by the higher-priority rule."""
    merged: list[list[int | str]] = []
    for start, end, rank, kind in sorted(found):
        if merged and start < int(merged[-1][1]):
            last = merged[-1]
            last[1] = max(int(last[1]), end)
            if rank < int(last[2]):
                last[2], last[3] = rank, kind
        else:
            merged.append([start, end, rank, kind])
    return [(str(kind), int(start), int(end)) for start, end, _, kind in merged]


@lru_cache(maxsize=2)
def _shared(include_c: bool) -> Redactor:
    return Redactor(frozenset({"A", "B", "C"}) if include_c else frozenset({"A", "B"}))


def redact(text: str, include_c: bool = False) -> str:
    """Redact categories A and B (and C when ``include_c``) from ``text``."""
    return _shared(include_c).redact(text)
