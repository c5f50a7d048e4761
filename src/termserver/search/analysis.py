"""Danish-aware text analysis shared by every search backend.

Both engines index the tokens produced here (tantivy with a whitespace tokenizer, whoosh
with a space-separated keyword field), so a query finds the same concepts whichever
engine serves it. Steps, in order:

1. `§ 85`, `§85`, `§§ 85-87` become `paragraf85` (`paragraf86`, `paragraf87`): legal
   paragraphs cited in definitions stay findable although `§` is punctuation.
2. lowercase, fold æ→ae, ø→o, å→a and strip accents (é→e, ü→u): caseworkers often type
   without Danish letters (`okonomi` must find `Økonomisk situation`).
3. split into words on anything that is not a letter or digit.
4. Danish Snowball stemming of the folded word (folding first keeps `økonomi` and
   `okonomi` on the same stem).

Prefixes of unstemmed words (for autocomplete) and whole-label keys (for exact matches)
are derived from the same folded words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Container, Mapping
from functools import lru_cache

from . import stemmer

MIN_PREFIX = 2
"""Shortest prefix indexed for autocomplete: one letter would match half the index."""

MAX_PREFIX = 20

_PARAGRAPH = re.compile(r"§+\s*(\d+)\s*([a-zA-Z](?![a-zA-Z]))?(?:\s*[-–]\s*(\d+))?")
_WORD = re.compile(r"[a-z0-9]+")
_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ß": "ss", "đ": "d", "ł": "l"})
_TYPEABLE_CODE = re.compile(r"^[a-z]{0,3}[0-9][0-9a-z.]{0,10}$")
"""Codes people type and complete (d450, b1440, f12); not UUIDs or word-like codes."""
_QUALIFIED_CODE = re.compile(r"^([bdes][0-9]{1,4})[.+][0-9.+]*$")
_TYPEABLE_CODE_PREFIX = re.compile(r"^(?:[a-z]{2,3}|[a-z]{0,3}[0-9][0-9a-z.]{0,10})$")
"""What an indexed prefix of a typeable code can look like (`d4`, `ab` of `ab1`)."""

STOPWORDS = frozenset({
    "af", "og", "i", "at", "til", "for", "med", "pa", "en", "et", "den", "det", "de", "der",
    "som", "er", "om", "fra", "ved", "eller", "ikke", "sig", "sin", "sit", "sine", "hos",
    "under", "over", "efter", "dem", "dens", "deres", "han", "hun", "hans", "hendes", "man",
    "vi", "jeg", "du", "kan", "skal", "vil", "har", "hvis", "hvor", "hvad", "nar", "men",
    "ogsa", "samt", "sa", "fx", "evt", "meget", "ofte", "tit", "lidt", "altid", "aldrig",
    "mere", "mindre", "helt", "rigtig", "svaert", "ingen", "noget", "nogle", "alle", "kun",
    "bare", "hele", "tiden", "mig", "min", "mit", "mine", "bor", "blevet", "bliver",
})
"""Danish function words (folded): they need not match in a multi-word query, and they
are not indexed as stems, where they would meet the stems of content words (`dem`, the
pronoun, is also the stem of `demens`)."""

GENERIC_WORDS = frozenset({
    "hjaelp", "stotte", "problem", "problemer", "behov", "vanskelighed", "vanskeligheder",
    "udfordring", "udfordringer", "brug",
})
"""Words (folded) that frame a caseworker's query rather than name the matter: indexed,
and counted in the ranking, but not required when a more specific word is there."""


def _paragraph(match: re.Match[str]) -> str:
    first = int(match.group(1))
    letter = (match.group(2) or "").lower()
    last = int(match.group(3)) if match.group(3) else first
    if letter or last < first or last - first > 20:
        last = first
    tokens = [f"paragraf{n}" for n in range(first, last + 1)]
    if letter:
        tokens.append(f"paragraf{first}{letter}")
    return " " + " ".join(tokens) + " "


def paragraph_spans(text: str) -> list[tuple[int, int, list[str]]]:
    """(start, end, tokens) of each legal paragraph cited in `text` (`§ 85` →
    `paragraf85`), so a match on one can be shown where it is."""
    if "§" not in text:
        return []
    return [(m.start(), m.end(), _paragraph(m).split()) for m in _PARAGRAPH.finditer(text)]


def fold(text: str) -> str:
    """Lowercase, § normalized, Danish letters and accents folded to ASCII-ish letters."""
    if "§" in text:
        text = _PARAGRAPH.sub(_paragraph, text)
    text = text.lower().translate(_FOLD)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Folded, unstemmed words of `text`."""
    return _WORD.findall(fold(text))


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Danish Snowball stem of a folded word (cached: the label words recur)."""
    if word.startswith("paragraf") or word.isdigit() or len(word) < 3:
        return word
    return stemmer.stem(word)


_DERIVATIONS = ("ation", "ering", "ning", "ing", "else", "els", "somhed", "som", "lig", "isk")
"""Danish derivational endings (on the stem) that turn one matter into a noun or an
adjective: koncentr-ation, orient-ering, spis-ning, forvirr-ing, glem-som, psyk-isk."""

ROOT_MIN = 4
"""Shortest root left after an ending is taken off (`en-som` stays `ensom`)."""


@lru_cache(maxsize=200_000)
def root(word: str) -> str:
    """The stem of a folded word without a derivational ending, so the verb, the noun and
    the adjective of one matter meet: koncentrere and koncentration (`koncentr`), forvirret
    and forvirring (`forvir`), glemmer and glemsom (`glem`), spiser and spisning (`spis`).
    Weaker evidence than the stem: a label found by a root ranks as an alternative
    label found by its stems, a definition as a definition; never as a preferred label's
    match or an exact one."""
    base = stem(word)
    for ending in _DERIVATIONS:  # the first ending that fits decides (regn-ing is reg-ning)
        if base.endswith(ending):
            rest = base[: -len(ending)]
            return stem(rest) if len(rest) >= ROOT_MIN else base
    return base


def content_roots(text: str) -> list[str]:
    """Roots of the content words of `text` that differ from their stems (the stems are
    indexed already): what the `roots` and `defn_roots` fields hold."""
    out = []
    for w in words(text):
        if w not in STOPWORDS:
            r = root(w)
            if r != stem(w):
                out.append(r)
    return out


_LINKING = "se"
"""Danish linking letters between the parts of a compound."""

FOREIGN_MARK = "_"
"""Marks a word from a label or definition in another language, indexed unstemmed: it can
never equal a Danish stem (analysis yields only letters and digits)."""


def foreign(word: str) -> str:
    return FOREIGN_MARK + word


def is_danish(lang: str) -> bool:
    """Text in Danish, or untagged (KL's displays): the texts the Danish stemmer is for."""
    return lang == "" or lang == "da" or lang.startswith("da-")


def content_stems(text: str) -> list[str]:
    """Stems of the words of `text` that are not function words: what gets indexed."""
    return [stem(w) for w in words(text) if w not in STOPWORDS]


def split_compound(word: str, is_word: Callable[[str], bool],
                   longest_head: bool = False) -> tuple[str, str] | None:
    """(first part, last part) of a compound whose parts are both words by `is_word`,
    each of 3+ letters; a linking s or e after the first part is dropped
    (`hukommelses|problemer` → `hukommelse`, `problemer`). The longest last part is
    tried first, or with `longest_head` the longest first part."""
    cuts = range(len(word) - 3, 2, -1) if longest_head else range(3, len(word) - 2)
    for i in cuts:
        head, tail = word[:i], word[i:]
        if not is_word(tail):
            continue
        if is_word(head):
            return head, tail
        if head[-1] in _LINKING and len(head) > 3 and is_word(head[:-1]):
            return head[:-1], tail
    return None


def key(text: str) -> str:
    """The whole text as one comparable key: folded words joined by single spaces."""
    return " ".join(words(text))


def prefixes(word: str) -> list[str]:
    """Prefixes of one folded word, MIN_PREFIX..len (capped), for autocomplete."""
    return [word[:n] for n in range(MIN_PREFIX, min(len(word), MAX_PREFIX) + 1)]


def code_key(code: str) -> str:
    """A code as typed: lowercase, no surrounding space (codes keep their punctuation)."""
    return code.strip().lower()


def code_prefixes(code: str) -> list[str]:
    """Prefixes of a human-typeable code (d450 → d4, d45, d450); none for UUIDs or words."""
    key_ = code_key(code)
    if not _TYPEABLE_CODE.match(key_):
        return []
    return [key_[:n] for n in range(MIN_PREFIX, len(key_) + 1)]


def is_code_prefix_shaped(text: str) -> bool:
    """Could `text` (a code key) be an indexed code prefix? Lets a query of ordinary words
    skip the code-prefix tier, which could never match it."""
    return _TYPEABLE_CODE_PREFIX.match(text) is not None


def fuzzy_distance(word: str) -> int:
    """Edit distance allowed for a word in the typo-tolerant fallback."""
    if len(word) >= 8:
        return 2
    if len(word) >= 4:
        return 1
    return 0


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, stops early past `limit`.

    What the two words begin and end with alike is left out first: a typo leaves most
    of a word as it was, so the quadratic part is usually a few letters."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    start, shorter = 0, min(len(a), len(b))
    while start < shorter and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    return _osa(a[start:end_a], b[start:end_b], limit)


def _osa(a: str, b: str, limit: int) -> int:
    if not a or not b:
        return min(max(len(a), len(b)), limit + 1)
    previous2: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if (previous2 is not None and i > 1 and j > 1 and ca == b[j - 2]
                    and a[i - 2] == cb):
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def is_typo_of(word: str, candidate: str) -> bool:
    """Does typo tolerance take `candidate` for `word`: within one edit, or for words of
    8+ letters two edits after the same first letter (a swap of two letters is one edit)?

    The first letter is kept for two edits because an automaton of distance 2 over every
    label word cost tantivy three to four times one of distance 1, and most words that
    reach typo tolerance are found nowhere; one letter's share of the words is a
    twentieth. Caseworkers' double typos rarely start at the first letter.
    """
    limit = fuzzy_distance(word)
    if limit > 1 and candidate[:1] != word[:1]:
        limit = 1
    if not limit or abs(len(word) - len(candidate)) > limit:
        return word == candidate
    # most words compared while explaining a hit are nothing alike: the letters in one
    # and not the other tell so without the quadratic distance (an insertion or deletion
    # changes that set by one letter, a substitution by two, a swap by none)
    if len(set(word).symmetric_difference(candidate)) > 2 * limit:
        return False
    return edit_distance(word, candidate, limit) <= limit


def first_letter_edits(word: str, words: Container[str],
                       by_tail: Mapping[str, list[str]]) -> list[str]:
    """The words one edit from `word` that begin with another letter: a letter before it,
    its first letter replaced, left out or swapped with the second (`by_tail` maps each
    word without its first letter to the words it ends). With these, a typo search over
    the words that keep the first letter finds every word one edit away."""
    rest = word[1:]
    found = list(by_tail.get(word, ()))
    found += [w for w in by_tail.get(rest, ()) if w[0] != word[0]]
    if rest in words:
        found.append(rest)
    swapped = word[1:2] + word[:1] + word[2:]
    if swapped != word and swapped in words:
        found.append(swapped)
    return found


class QueryTerms:
    """A user's query, analysed once and shared by index query building and `matched`.

    `required` are the words that must all match: function words and then generic words
    (`hjælp`, `støtte`, `problemer`) and bare numbers are dropped while anything more
    specific is left, so `hjælp til påklædning` finds "Af- og påklædning". `scored` are the
    words that may find a concept on their own (not a bare number beside words: the `1` of
    `alert(1)` would match every "nr. 1"). `code_base` is an ICF code without its qualifier
    (`d450.2` → `d450`), when the query looks like one. The last word may also match as a
    prefix while the user is still typing, when it is one of the required words.
    """

    __slots__ = ("code", "code_base", "key", "last_prefix", "required", "roots", "scored",
                 "stems", "text", "words")

    def __init__(self, text: str) -> None:
        self.text = text
        self.code = code_key(text)
        self.words = words(text)
        self.key = " ".join(self.words)
        self.stems = [stem(w) for w in self.words]
        self.roots = [root(w) for w in self.words]
        content = [i for i, w in enumerate(self.words) if w not in STOPWORDS]
        specific = [i for i in content if self.words[i] not in GENERIC_WORDS
                    and not self.words[i].isdigit()]
        self.required = specific or content or list(range(len(self.words)))
        lettered = any(not w.isdigit() for w in self.words)
        self.scored = [i for i, w in enumerate(self.words) if not (lettered and w.isdigit())]
        qualified = _QUALIFIED_CODE.match(self.code)
        self.code_base = qualified.group(1) if qualified else ""
        last = self.words[-1] if self.words else ""
        typing = (len(last) >= MIN_PREFIX and not text.endswith(" ")
                  and self.required[-1] == len(self.words) - 1)
        self.last_prefix = last if typing else ""

    @property
    def empty(self) -> bool:
        return not self.words and not self.code
