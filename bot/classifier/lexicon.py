"""Loading the lexicon data files and compiling them into one matcher.

The files (``bot/classifier/lexicon/*.toml`` and a site's extra directory) are described in
``bot/classifier/lexicon/README.md``.  All terms are normalised like messages, then compiled into a
single trie-shaped regular expression, so one ``finditer`` pass over a message finds every term
(the longest at each position) without trying hundreds of alternatives at each position.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.classifier.normalize import normalize_term
from handlers.core.taxonomy import CATEGORIES, INTENTS

PACKAGE_LEXICON_DIR = Path(__file__).resolve().parent / "lexicon"

KINDS = ("intent", "category", "place", "severity", "signal", "neutral")
TIERS = {"strong": 3.0, "medium": 2.0, "weak": 1.0}
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")

# One feature of a term: (kind, label, weight).
Feature = tuple[str, str, float]


class LexiconError(ValueError):
    """A lexicon file names an unknown intent, category or severity, or is malformed."""


@dataclass(frozen=True, slots=True)
class Combo:
    signals: frozenset[str]
    severity: str


@dataclass(slots=True)
class Lexicon:
    # normalised term → {(kind, label): weight}
    terms: dict[str, dict[tuple[str, str], float]] = field(default_factory=dict)
    prefixes: set[str] = field(default_factory=set)  # terms written with a trailing "*"
    combos: list[Combo] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    # -- loading -------------------------------------------------------------------------------
    @classmethod
    def from_dirs(cls, *dirs: Path | None) -> Lexicon:
        lex = cls()
        for directory in dirs:
            if directory is None:
                continue
            for path in sorted(Path(directory).glob("*.toml")):
                lex.merge_file(path)
        return lex

    def merge_file(self, path: Path) -> None:
        with path.open("rb") as fh:
            try:
                data = tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise LexiconError(f"{path}: {exc}") from exc
        self.merge(data, origin=str(path))
        self.files.append(path)

    def merge(self, data: dict[str, object], *, origin: str = "<data>") -> None:
        for kind, table in data.items():
            if kind == "combo":
                self._merge_combos(table, origin)
                continue
            if kind not in KINDS:
                raise LexiconError(f"{origin}: unknown table [{kind}]")
            if not isinstance(table, dict):
                raise LexiconError(f"{origin}: [{kind}] must be a table")
            for label, spec in table.items():
                self._check_label(kind, label, origin)
                if not isinstance(spec, dict):
                    raise LexiconError(f"{origin}: [{kind}.{label}] must be a table")
                for terms, weight in _tiers(spec, f"{origin}: [{kind}.{label}]"):
                    for term in terms:
                        self.add(term, kind, label, weight)

    def _merge_combos(self, table: object, origin: str) -> None:
        if not isinstance(table, list):
            raise LexiconError(f"{origin}: combo must be an array of tables ([[combo]])")
        for entry in table:
            signals = entry.get("all") if isinstance(entry, dict) else None
            severity = entry.get("severity") if isinstance(entry, dict) else None
            if not isinstance(signals, list) or severity not in ("urgent", "major"):
                raise LexiconError(f"{origin}: combo needs all = [...] and severity urgent|major")
            self.combos.append(Combo(frozenset(str(s) for s in signals), str(severity)))

    @staticmethod
    def _check_label(kind: str, label: str, origin: str) -> None:
        if kind == "intent" and label not in INTENTS:
            raise LexiconError(f"{origin}: unknown intent {label!r}")
        if kind in ("category", "place") and label not in CATEGORIES:
            raise LexiconError(f"{origin}: unknown category {label!r}")
        if kind == "severity" and label not in ("urgent", "major"):
            raise LexiconError(f"{origin}: severity tables are urgent and major, not {label!r}")

    def add(self, term: str, kind: str, label: str, weight: float) -> None:
        prefix = term.endswith("*") and len(term) > 1
        norm = normalize_term(term[:-1] if prefix else term)
        if not norm:
            return
        if prefix:
            self.prefixes.add(norm)
        feats = self.terms.setdefault(norm, {})
        key = (kind, label)
        feats[key] = max(weight, feats.get(key, 0.0))

    # -- compiling -----------------------------------------------------------------------------
    def compile(self) -> CompiledLexicon:
        self._inherit()
        ascii_terms = [t for t in self.terms if t[0] in _ALNUM]
        other_terms = [t for t in self.terms if t[0] not in _ALNUM]
        parts = []
        if ascii_terms:
            parts.append("(?<![a-z0-9])" + _trie_pattern(ascii_terms, self.prefixes))
        if other_terms:
            parts.append(_trie_pattern(other_terms, self.prefixes))
        # A lookahead finds the longest term starting at *every* position, so overlapping terms
        # are all seen ("门卡住": 门卡 and 卡住); scan() drops the ones inside an earlier match.
        pattern = re.compile("(?=(" + "|".join(parts) + "))" if parts else r"(?!x)x")
        table: dict[str, tuple[Feature, ...]] = {
            term: tuple((k, lab, w) for (k, lab), w in feats.items()) for term, feats in self.terms.items()
        }
        return CompiledLexicon(pattern, table, frozenset(self.prefixes), tuple(self.combos))

    def _inherit(self) -> None:
        """A longer term also carries the category, severity and signal features of the terms inside it.

        Matching is leftmost-longest, so "整栋停电" hides "停电": without this, a severity phrase would
        swallow the category word it contains.  Intents are not inherited (they are decided by the
        whole phrase), and ``neutral`` phrases ("无人受伤") inherit nothing, which is their point.
        A term with a category of its own inherits no other category, and a ``place`` term does not
        inherit its own category ("停车场" holds the event word "停车" but
        names a place: it must stay a place word).
        """
        inheritable = ("category", "place", "severity", "signal")
        # A phrase that names its own category decides it: "醉酒上班" is a staff violation, not the
        # drunkenness inside it, and "停车费" is a fee, not parking.
        own_category = {term for term, feats in self.terms.items() if any(k == "category" for k, _ in feats)}
        for term, feats in self.terms.items():
            if len(term) < 2 or any(kind == "neutral" for kind, _ in feats):
                continue
            for i in range(len(term)):
                for j in range(i + 1, len(term) + 1):
                    if (i, j) == (0, len(term)):
                        continue
                    sub = term[i:j]
                    inner = self.terms.get(sub)
                    if inner is None or not _at_word_boundaries(term, i, j):
                        continue
                    for (kind, label), weight in inner.items():
                        if kind == "category" and (term in own_category or ("place", label) in feats):
                            continue
                        if kind in inheritable:
                            key = (kind, label)
                            feats[key] = max(weight, feats.get(key, 0.0))


def _at_word_boundaries(term: str, i: int, j: int) -> bool:
    """Whether term[i:j] would match inside ``term`` (English words must not be cut)."""
    if term[i] in _ALNUM and i > 0 and term[i - 1] in _ALNUM:
        return False
    return not (term[j - 1] in _ALNUM and j < len(term) and term[j] in _ALNUM)


@dataclass(frozen=True, slots=True)
class CompiledLexicon:
    pattern: re.Pattern[str]
    table: dict[str, tuple[Feature, ...]]
    prefixes: frozenset[str]
    combos: tuple[Combo, ...]

    def scan(self, text: str) -> Iterator[tuple[int, int, tuple[Feature, ...]]]:
        """(start, end, features) of every term found in normalised ``text``."""
        table = self.table
        covered = 0
        for m in self.pattern.finditer(text):
            found = m.group(1)
            start = m.start()
            end = start + len(found)
            if end <= covered:
                continue  # inside a longer term already seen ("受伤" in "无人受伤")
            covered = end
            feats = table.get(found)
            if feats is None:  # an English prefix term ("leak*" matched "leaking")
                feats = self._prefix_features(found)
            if feats:
                yield start, end, feats

    def _prefix_features(self, found: str) -> tuple[Feature, ...]:
        for end in range(len(found) - 1, 0, -1):
            head = found[:end]
            if head in self.prefixes:
                return self.table[head]
        return ()


def _tiers(spec: dict[str, object], where: str) -> Iterable[tuple[list[str], float]]:
    for key, value in spec.items():
        if key in TIERS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise LexiconError(f"{where}: {key} must be a list of strings")
            yield list(value), TIERS[key]
        elif key == "terms":
            weight = spec.get("weight", 2.0)
            if not isinstance(weight, int | float) or not isinstance(value, list):
                raise LexiconError(f"{where}: terms needs a list and a numeric weight")
            yield [str(v) for v in value], float(weight)
        elif key != "weight":
            raise LexiconError(f"{where}: unknown key {key!r} (use strong/medium/weak or terms+weight)")


_END = ""


def _trie_pattern(terms: Iterable[str], prefixes: set[str]) -> str:
    """A regex equivalent to the alternation of ``terms``, factored by common prefixes, longest first.

    A term ending in an ASCII letter or digit must end at a word boundary, unless it is a prefix
    term, which swallows the rest of the word.
    """
    root: dict[str, dict] = {}
    for term in terms:
        node = root
        for ch in term:
            node = node.setdefault(ch, {})
        node[_END] = {}
    return _serialise(root, "", prefixes)


def _serialise(node: dict[str, dict], path: str, prefixes: set[str]) -> str:
    alts = [re.escape(ch) + _serialise(child, path + ch, prefixes) for ch, child in node.items() if ch != _END]
    if _END in node:
        if path in prefixes:
            alts.append("[a-z0-9]*")
        elif path and path[-1] in _ALNUM:
            alts.append("(?![a-z0-9])")
        else:
            alts.append("")
    if len(alts) == 1:
        only = alts[0]
        return only if _END not in node or not only else f"(?:{only})"
    return "(?:" + "|".join(alts) + ")"
