"""Translation catalogues: check that every message has a Chinese translation, compile, list what is missing.

Each feature keeps its catalogue in factory/<feature>/translations/zh/LC_MESSAGES/messages.po (the
shared pages in factory/translations/); Flask-Babel merges them. Source strings are English.

    python scripts/i18n.py check              # exit 1 and list every untranslated message
    python scripts/i18n.py missing            # the untranslated messages as .po entries, to paste and translate
    python scripts/i18n.py compile            # .po -> .mo for every catalogue
    python scripts/i18n.py merge PO TSV       # add "English<TAB>中文" lines from TSV to the catalogue PO
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "N_": None}
METHODS = [("factory/**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.do"}}


def extracted() -> dict[str, str]:
    """Every message id in the code and templates, with one place it appears."""
    found: dict[str, str] = {}
    for sub in ("factory", "templates"):
        method_map = [(p.split("/", 1)[1], m) for p, m in METHODS if p.startswith(sub)]
        for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT / sub, method_map=method_map, keywords=KEYWORDS, options_map={}
        ):
            ids = message if isinstance(message, tuple) else (message,)
            for msgid in ids:
                if msgid:
                    found.setdefault(msgid, f"{sub}/{filename}:{lineno}")
    return found


def catalogues(locale: str) -> list[Path]:
    return sorted(ROOT.glob(f"factory/**/translations/{locale}/LC_MESSAGES/messages.po"))


def translated(locale: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in catalogues(locale):
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if all(strings):
                for msgid in ids:
                    out[msgid] = strings[0]
    return out


def missing(locale: str = "zh") -> dict[str, str]:
    have = translated(locale)
    return {msgid: where for msgid, where in extracted().items() if msgid not in have}


def compile_all() -> None:
    for path in ROOT.glob("factory/**/translations/*/LC_MESSAGES/messages.po"):
        locale = path.parent.parent.name
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        with path.with_suffix(".mo").open("wb") as out:
            write_mo(out, catalog)


def merge(po_path: Path, tsv_path: Path, locale: str = "zh") -> int:
    """Add or replace translations in `po_path` from tab-separated English/Chinese lines."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    if po_path.exists():
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
    else:
        catalog = Catalog(locale=locale, project="microfactory")
    count = 0
    for line in tsv_path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        english, _tab, chinese = line.partition("\t")
        if not chinese:
            raise SystemExit(f"no tab-separated translation on line: {line!r}")
        catalog.add(english.replace("\\n", "\n"), chinese.replace("\\n", "\n"))
        count += 1
    po_path.parent.mkdir(parents=True, exist_ok=True)
    with po_path.open("wb") as out:
        write_po(out, catalog, width=0, sort_output=True, omit_header=False)
    return count


def _po_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "compile":
        compile_all()
        return 0
    if command == "merge":
        print(f"{merge(Path(argv[2]), Path(argv[3]))} translations written to {argv[2]}")
        return 0
    gaps = missing()
    if command == "missing":
        for msgid, where in gaps.items():
            print(f'#: {where}\nmsgid "{_po_escape(msgid)}"\nmsgstr ""\n')
        return 0
    if command == "check":
        if gaps:
            print(f"{len(gaps)} message(s) have no Chinese translation:", file=sys.stderr)
            for msgid, where in gaps.items():
                print(f"  {where}: {msgid!r}", file=sys.stderr)
            return 1
        print(f"translations complete: {len(extracted())} messages")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
