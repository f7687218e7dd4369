"""Show the worker rules' and the spreadsheet reader's English messages in the user's language.

The pure modules (`factory.workers.domain`, `factory.tabular`) return English source strings already
filled in (``"Unknown skill: %(code)s."`` becomes ``"Unknown skill: weaving."``). `translate` matches such
a string back to its template, translates the template and fills it in again, translating the values
that are themselves messages ("Monday: Hours in a day must be between 0 and 24.").
The `N_` list below marks the templates for the catalogue; a test checks it covers the modules' messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from flask_babel import gettext


def N_(text: str) -> str:  # noqa: N802  (the conventional name for a marker the extractor knows)
    return text


TEMPLATES: tuple[str, ...] = (
    # factory.workers.domain
    N_("Enter a mobile number."),
    N_("A mobile number may hold only digits, spaces, dashes and a leading +86."),
    N_("A mainland mobile number has 11 digits; this one has %(count)s."),
    N_("A mainland mobile number starts with 13 to 19."),
    N_("A resident ID number has 18 characters; this one has %(count)s."),
    N_("A resident ID number is 17 digits followed by a digit or X."),
    N_("The birth date in the ID number (%(digits)s) is not a valid date."),
    N_("The birth date in the ID number (%(birth)s) must be after 1900 and not in the future."),
    N_("The ID number's last character does not match the others; check for a typing error."),
    N_("%(what)s must be a number, not %(value)s."),
    N_("%(what)s can have at most 2 decimals."),
    N_("Pieces per hour must be more than 0 and at most 10,000."),
    N_("Hours in a day must be between 0 and 24."),
    N_("Write each skill as code:pieces per hour, e.g. knitting:4.5 (not %(item)s)."),
    N_("A skill code is lower-case letters, digits and _ (not %(code)s)."),
    N_("Unknown skill: %(code)s."),
    N_("The skill %(code)s is listed twice."),
    N_("%(code)s: %(message)s"),
    N_("Enter 7 numbers of hours, Monday first; found %(count)s."),
    N_("%(day)s: %(message)s"),
    N_("The trial must have made at least 1 piece."),
    N_("The trial must have lasted more than 0 minutes."),
    # words the templates above are filled in with
    N_("Pieces per hour"),
    N_("Hours"),
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
    # factory.tabular
    N_("The file is larger than %(limit)s MB."),
    N_("Only .csv and .xlsx files can be read; save the file in one of those formats."),
    N_("Old .xls workbooks cannot be read; save the file as .xlsx or CSV."),
    N_("The file is not a CSV text file."),
    N_("The file could not be read as an Excel .xlsx workbook."),
    N_("The file is empty."),
    N_("The file has a header row but no data rows."),
    N_("The file has more than %(limit)s data rows; split it into smaller files."),
    N_("Unknown column %(column)s."),
    N_("Missing column %(column)s."),
    N_("The column %(column)s appears twice."),
    N_("This column has a value but no heading."),
    N_("Formulas are not accepted; paste the value instead."),
    N_("%(count)s more problems not shown."),
)


@cache
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    """Templates with placeholders as regular expressions, the most specific (most literal text) first."""
    out = []
    for template in TEMPLATES:
        if "%(" not in template:
            continue
        parts = re.split(r"%\((\w+)\)s", template)
        regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
        literal = sum(len(part) for part in parts[::2])
        out.append((literal, re.compile(f"^{regex}$", re.DOTALL), template))
    out.sort(key=lambda item: -item[0])
    return [(pattern, template) for _, pattern, template in out]


def translate(message: str) -> str:
    """The message in the user's language (unchanged when it is not one of the known templates)."""
    if message in TEMPLATES:
        return gettext(message)
    for pattern, template in _patterns():
        match = pattern.match(message)
        if match:
            params = {name: translate(value) for name, value in match.groupdict().items()}
            return gettext(template, **params)
    return message


def translate_all(messages: Iterable[str]) -> list[str]:
    return [translate(m) for m in messages]
