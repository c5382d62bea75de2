"""The red-flag catalogue: reviewable data, separate from the matching engine (domain/redflags.py).

Files in this folder:

- ``<category>.json``: the flags of one category (the fixed list in ``CATEGORIES``). Each flag has an
  ``id`` (the stable code other code and the database use), a clinician-facing ``label``, a ``floor``
  (``emergency`` or ``urgent``), the ``source`` it comes from (a named guideline or triage discriminator),
  and ``phrases``: per language (en/es/pt) and register (lay/clinical), patterns that on their own raise the
  flag. Optional keys: ``when`` (a list of alternatives, each a list of term names that must all be present
  in the message to raise the flag), ``unless`` (term names that stop the ``when`` alternatives),
  ``escalate`` (term names that raise an urgent flag to emergency when present in the message) and
  ``engine`` (true when the engine's own combination logic also raises the flag, e.g. chest pain with a
  cardiac feature).
- ``index.json``: the phrase index built from the two above (``fasttriage rules build-index``), so that a
  cold start does not split and file 7,000 phrases; it records the digest of the files it was built from
  and is ignored (the index is rebuilt in memory) when they changed.
- ``terms.json``: named terms (atomic findings such as ``fever``, ``pregnant``, ``sudden_onset``) used by
  ``when``/``unless``/``escalate`` and by the engine's combination logic; each term is a list of phrases in
  all three languages.

Phrases are regular-expression fragments over normalized text: lower case, accents removed, apostrophes
dropped ("cant", "dont"), letters repeated three times or more collapsed ("paaain" -> "pain"). A phrase
matches at the start of a word; see ``fasttriage.domain.phrase_index``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fasttriage.domain.phrase_index import PhraseIndex
from fasttriage.domain.urgency import Urgency

CATEGORIES = (
    "cardiac",
    "respiratory",
    "neuro",
    "consciousness",
    "bleeding",
    "allergy",
    "mental_health",
    "toxicology",
    "obstetric",
    "paediatric",
    "infection",
    "trauma",
    "metabolic",
    "abdominal",
    "urological",
    "eye",
    "spine",
    "skin_burns",
    "other",
)
LANGUAGES = ("en", "es", "pt")
REGISTERS = ("lay", "clinical")
_FLOORS = {"emergency": Urgency.EMERGENCY, "urgent": Urgency.URGENT}
_HERE = Path(__file__).resolve().parent
INDEX_FILE = "index.json"
FLAG_PREFIX = "flag:"  # a flag's own phrases are filed under "flag:<id>", terms under their name


class CatalogueError(ValueError):
    """A catalogue file that does not follow the documented shape."""


@dataclass(frozen=True)
class Flag:
    id: str
    category: str
    label: str
    floor: Urgency
    source: str
    phrases: dict[str, dict[str, tuple[str, ...]]]
    when: tuple[tuple[str, ...], ...] = ()
    unless: tuple[str, ...] = ()
    escalate: tuple[str, ...] = ()
    engine: bool = False

    def all_phrases(self) -> list[str]:
        return [p for by_register in self.phrases.values() for ps in by_register.values() for p in ps]


@dataclass(frozen=True)
class Term:
    name: str
    description: str
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class Catalogue:
    version: str
    flags: dict[str, Flag]
    terms: dict[str, Term]
    digest: str = ""  # sha256 of the catalogue files, to tell whether index.json was built from them


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise CatalogueError(f"{where}: expected a list of non-empty strings")
    return tuple(value)


def _flag(raw: dict[str, object], category: str, where: str) -> Flag:
    try:
        floor = _FLOORS[str(raw["floor"])]
        phrases_raw = raw["phrases"]
        if not isinstance(phrases_raw, dict):
            raise CatalogueError(f"{where}: phrases must be an object")
        phrases = {
            language: {
                register: _strings(by_register.get(register, []), f"{where} {language}/{register}")
                for register in REGISTERS
            }
            for language, by_register in phrases_raw.items()
        }
        when_raw = raw.get("when", [])
        if not isinstance(when_raw, list):
            raise CatalogueError(f"{where}: when must be a list of lists")
        return Flag(
            id=str(raw["id"]),
            category=category,
            label=str(raw["label"]),
            floor=floor,
            source=str(raw["source"]),
            phrases=phrases,
            when=tuple(_strings(alternative, f"{where} when") for alternative in when_raw),
            unless=_strings(raw.get("unless", []), f"{where} unless"),
            escalate=_strings(raw.get("escalate", []), f"{where} escalate"),
            engine=bool(raw.get("engine", False)),
        )
    except KeyError as exc:
        raise CatalogueError(f"{where}: missing {exc.args[0]!r}") from exc


def load(directory: Path = _HERE) -> Catalogue:
    """Read and check the catalogue files (raises CatalogueError on any shape problem)."""
    flags: dict[str, Flag] = {}
    digest = hashlib.sha256()
    for category in CATEGORIES:
        path = directory / f"{category}.json"
        if not path.exists():
            continue
        raw_bytes = path.read_bytes()
        digest.update(raw_bytes)
        data = json.loads(raw_bytes.decode("utf-8"))
        if data.get("category") != category:
            raise CatalogueError(f"{path.name}: category must be {category!r}")
        for number, raw in enumerate(data.get("flags", []), start=1):
            flag = _flag(raw, category, f"{path.name} flag {number}")
            if flag.id in flags:
                raise CatalogueError(f"{path.name}: duplicate flag id {flag.id!r}")
            flags[flag.id] = flag
    terms_bytes = (directory / "terms.json").read_bytes()
    digest.update(terms_bytes)
    terms_data = json.loads(terms_bytes.decode("utf-8"))
    terms = {
        name: Term(name, str(raw.get("description", "")), _strings(raw["phrases"], f"terms.json {name}"))
        for name, raw in terms_data["terms"].items()
    }
    for flag in flags.values():
        for name in (*(t for alt in flag.when for t in alt), *flag.unless, *flag.escalate):
            if name not in terms:
                raise CatalogueError(f"flag {flag.id}: unknown term {name!r}")
    return Catalogue(version=str(terms_data["version"]), flags=flags, terms=terms, digest=digest.hexdigest())


@cache
def default() -> Catalogue:
    """The catalogue shipped with the package, read once per process."""
    return load()


def build_index(cat: Catalogue) -> PhraseIndex:
    """Every term's and every flag's phrases, filed by their first letters (slow: ~25 ms)."""
    index = PhraseIndex()
    for term in cat.terms.values():
        index.add(term.name, term.phrases)
    for flag in cat.flags.values():
        index.add(FLAG_PREFIX + flag.id, flag.all_phrases())
    return index


def write_index(cat: Catalogue, directory: Path = _HERE) -> Path:
    """Write index.json for ``cat`` (run `fasttriage rules build-index` after editing the catalogue)."""
    path = directory / INDEX_FILE
    data = {"catalogue_digest": cat.digest, **build_index(cat).to_dict()}
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    return path


def index_is_current(cat: Catalogue, directory: Path = _HERE) -> bool:
    path = directory / INDEX_FILE
    if not path.exists():
        return False
    return bool(json.loads(path.read_text(encoding="utf-8")).get("catalogue_digest") == cat.digest)


def load_index(cat: Catalogue, directory: Path = _HERE) -> PhraseIndex:
    """index.json when it was built from these catalogue files, else the index built in memory."""
    path = directory / INDEX_FILE
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("catalogue_digest") == cat.digest:
            return PhraseIndex.from_dict(data)
    return build_index(cat)
