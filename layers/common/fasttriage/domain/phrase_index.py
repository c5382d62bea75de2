"""Find many named phrase patterns in a clause fast, compiling only what a message needs.

A catalogue holds thousands of small phrase patterns (regular-expression fragments over normalized,
accent-free, lower-case text). Trying all of them at every word of a message costs milliseconds, and
compiling them all at import costs tens of milliseconds of cold start. So each phrase is indexed by the
first two or three letters it must start with (its *anchor*): at a word start only the phrases whose
anchor is the next few letters are tried. A phrase that begins with a group of alternatives
(``(?:crushing|squeezing) chest``) is expanded into one phrase per alternative so that it can be
anchored too. The phrases of one name that share an anchor are joined into one alternation, compiled on
first use and cached for the life of the process.

A phrase always matches at a word start; use ``\\w*`` at the end for word stems (``haemorrhag\\w*``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

_KEY_LENGTHS = (3, 2, 1)
_DIGIT_KEY = "#"  # phrases that start with a number: tried only at words that start with a digit
_LEADING_LOOKBEHIND = re.compile(r"^(?:\(\?<[!=][^()]*\))+")
_DIGIT_START = re.compile(r"^(?:\\d|\[[0-9]|[0-9])")
_WORD_GAP = r"(?:\w+ )"
_WORD_GAP_COMMA = r"(?:\w+,? )"
_MAX_EXPANSIONS = 96
_WORD_START = re.compile(r"\b\w")
_QUANTIFIER_START = frozenset("?*+{")


class PhraseError(ValueError):
    """A catalogue phrase that is not a valid pattern."""


_SPECIAL = re.compile(r"\\.|[\[\]()|]")


def _tokens(source: str) -> Iterator[tuple[int, str, int]]:
    """(index, character, depth after it) for each unescaped parenthesis or bar outside a [class]."""
    depth = 0
    in_class = False
    for match in _SPECIAL.finditer(source):
        char = match.group(0)
        if len(char) == 2:
            continue
        if in_class:
            in_class = char != "]"
            continue
        if char == "[":
            in_class = True
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        yield match.start(), char, depth


def split_alternatives(source: str) -> list[str]:
    """The top-level alternatives of a pattern: ``a|(?:b|c)d`` -> ``["a", "(?:b|c)d"]``."""
    if "|" not in source:
        return [source]
    parts: list[str] = []
    start = 0
    for index, char, depth in _tokens(source):
        if char == "|" and depth == 0:
            parts.append(source[start:index])
            start = index + 1
    parts.append(source[start:])
    return parts


def _group_end(source: str, open_index: int) -> int:
    """Index just past the parenthesis closing the group opened at ``open_index`` (0: the first)."""
    for index, char, depth in _tokens(source[open_index:]):
        if char == ")" and depth == 0:
            return open_index + index + 1
    raise PhraseError(f"unbalanced parenthesis in {source!r}")


def expand_leading(source: str, budget: int = _MAX_EXPANSIONS) -> list[str]:
    """Variants of a phrase with its leading non-capturing group spelled out, so each has a literal start.

    ``(?:heavy|severe) bleed`` -> ``["heavy bleed", "severe bleed"]``; ``(?:very )?sick`` ->
    ``["very sick", "sick"]``. Phrases whose start cannot be expanded are returned unchanged.
    """
    phrase = source.removeprefix("\\b")
    if not phrase.startswith("(?:"):
        return [phrase]
    end = _group_end(phrase, 0)
    inner, rest = phrase[3 : end - 1], phrase[end:]
    optional = False
    if rest[:1] == "?" and rest[1:2] not in ("?", "+"):
        optional, rest = True, rest[1:]
    elif rest[:1] in _QUANTIFIER_START:
        return [phrase]
    alternatives = [alt + rest for alt in split_alternatives(inner)]
    if optional:
        alternatives.append(rest)
    if len(alternatives) > budget:
        return [phrase]
    expanded: list[str] = []
    for alternative in alternatives:
        expanded.extend(expand_leading(alternative, max(1, budget // len(alternatives))))
    return expanded if len(expanded) <= budget else [phrase]


_LITERAL_RUN = re.compile(r"[a-z0-9 ]*")


def literal_prefix(phrase: str) -> str:
    """The letters every match of ``phrase`` must start with (stops before a quantified letter)."""
    run = _LITERAL_RUN.match(phrase)
    prefix = run.group(0) if run else ""
    if prefix and phrase[len(prefix) : len(prefix) + 1] in _QUANTIFIER_START and len(phrase) > len(prefix):
        prefix = prefix[:-1]
    return prefix


def _anchor(phrase: str) -> str:
    """The key a phrase is filed under: its first three (or two, or one) letters, ``#`` for a phrase that
    starts with a number, or "" (tried at every word) when its start is not fixed. A leading look-behind
    (``(?<!food )poisoning``) does not count."""
    body = _LEADING_LOOKBEHIND.sub("", phrase)
    if _DIGIT_START.match(body):
        return _DIGIT_KEY
    prefix = literal_prefix(body)
    return prefix[:3]


@dataclass(frozen=True)
class Hit:
    name: str
    start: int
    end: int
    text: str


@dataclass
class PhraseIndex:
    """Named phrase patterns indexed by their anchor; see the module docstring."""

    _sources: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    _by_key: dict[str, list[str]] = field(default_factory=dict)
    _unanchored: dict[str, list[str]] = field(default_factory=dict)
    _compiled: dict[tuple[str, str], re.Pattern[str]] = field(default_factory=dict)

    def add(self, name: str, phrases: Iterable[str]) -> None:
        for source in phrases:
            # a gap of words may run over commas: "leg, which is cold and pale"
            source = source.replace(_WORD_GAP, _WORD_GAP_COMMA)
            for top in split_alternatives(source):
                for phrase in expand_leading(top.strip() if top.strip() else top):
                    if not phrase:
                        raise PhraseError(f"empty phrase in {name!r}")
                    key = _anchor(phrase)
                    if key:
                        names = self._by_key.setdefault(key, [])
                        if name not in names:
                            names.append(name)
                        self._sources.setdefault((key, name), []).append(phrase)
                    else:
                        self._unanchored.setdefault(name, []).append(phrase)

    def to_dict(self) -> dict[str, object]:
        """The filed phrases, for ``from_dict`` (written to catalogue/index.json)."""
        keys: dict[str, dict[str, list[str]]] = {}
        for key, names in self._by_key.items():
            keys[key] = {name: self._sources[(key, name)] for name in names}
        return {"keys": keys, "unanchored": self._unanchored}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> PhraseIndex:
        index = cls()
        keys = data["keys"]
        unanchored = data["unanchored"]
        if not isinstance(keys, dict) or not isinstance(unanchored, dict):
            raise PhraseError("index: keys and unanchored must be objects")
        for key, by_name in keys.items():
            index._by_key[key] = list(by_name)
            for name, phrases in by_name.items():
                index._sources[(key, name)] = list(phrases)
        index._unanchored = {name: list(phrases) for name, phrases in unanchored.items()}
        return index

    def check(self) -> None:
        """Compile every pattern once (tests and the catalogue export do; the screen compiles lazily)."""
        for (key, name), phrases in self._sources.items():
            self._pattern(key, name, phrases)
        for name, phrases in self._unanchored.items():
            self._pattern("", name, phrases)

    @property
    def size(self) -> int:
        return sum(len(p) for p in self._sources.values()) + sum(len(p) for p in self._unanchored.values())

    def _pattern(self, key: str, name: str, phrases: list[str]) -> re.Pattern[str]:
        compiled = self._compiled.get((key, name))
        if compiled is None:
            source = "|".join(phrases)
            try:
                compiled = re.compile(f"(?:{source})")
            except re.error as exc:
                raise PhraseError(f"{name}: {exc} in {source!r}") from exc
            self._compiled[(key, name)] = compiled
        return compiled

    def hits(self, clause: str) -> Iterator[Hit]:
        """Every (name, word start) at which one of the name's phrases matches, in text order."""
        by_key, sources, cache = self._by_key, self._sources, self._compiled
        for word in _WORD_START.finditer(clause):
            pos = word.start()
            seen_keys: set[str] = set()
            keys = [clause[pos : pos + length] for length in _KEY_LENGTHS]
            if clause[pos].isdigit():
                keys.append(_DIGIT_KEY)
            for key in keys:
                if key in seen_keys or key not in by_key:
                    continue
                seen_keys.add(key)
                for name in by_key[key]:
                    compiled = cache.get((key, name)) or self._pattern(key, name, sources[(key, name)])
                    match = compiled.match(clause, pos)
                    if match:
                        yield Hit(name, pos, match.end(), match.group(0))
            for name, phrases in self._unanchored.items():
                match = self._pattern("", name, phrases).match(clause, pos)
                if match:
                    yield Hit(name, pos, match.end(), match.group(0))
