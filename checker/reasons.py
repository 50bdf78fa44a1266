"""Not-applicable and error reasons in the reader's language.

Rules and the engine write reasons in English (they are also the findings.json message);
the catalogue (reports/messages.yaml, `reasons` and `date_windows`) gives their wording in
each language.
"""

import functools
import re


def translated_reason(reason: str, labels: dict) -> str:
    """A reason in the catalogue's words. A catalogue key may hold {name} slots for the
    values a reason carries ("not in force on {day} …"); they are copied across."""
    translations = labels["reasons"]
    if reason in translations:
        return translations[reason]
    for key, text in translations.items():
        if "{" not in key:
            continue
        match = _slot_pattern(key).fullmatch(reason)
        if match:
            values = {
                name: _dates_in_words(value, labels["date_windows"])
                for name, value in match.groupdict().items()
            }
            return text.format(**values)
    return reason


def _dates_in_words(value: str, translations: dict[str, str]) -> str:
    """'2025-04-29 to 2028-04-28' -> '2025-04-29 至 2028-04-28': the words of a date window
    (rules.window_text) in the catalogue's language."""
    for pattern, words in _WINDOW_WORDS:
        match = pattern.fullmatch(value)
        if match and words in translations:
            return translations[words].format(*match.groups())
    return value


_DAY = r"(\d{4}-\d{2}-\d{2})"
_WINDOW_WORDS = [
    (re.compile(f"{_DAY} to {_DAY}"), "{0} to {1}"),
    (re.compile(f"from {_DAY}"), "from {0}"),
    (re.compile(f"until {_DAY}"), "until {0}"),
    (re.compile("always"), "always"),
]


@functools.cache
def _slot_pattern(key: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", key)
    pattern = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts)
    )
    return re.compile(pattern)
