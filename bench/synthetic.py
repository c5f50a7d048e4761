"""A deterministic synthetic SKOS vocabulary for the scale benchmark.

Danish-looking words from syllables, a hierarchy five levels deep, definitions of 10-30
words and some alternative labels: the shape of a large terminology, at any size.
"""

from __future__ import annotations

import random
from pathlib import Path

SYLLABLES = ["sam", "fun", "ling", "bo", "hjem", "ar", "bej", "de", "sty", "ræk", "ke", "lse",
             "vel", "fær", "d", "ig", "hed", "pleje", "om", "sorg", "tal", "kro", "ps", "sk",
             "øk", "on", "omi", "gå", "en", "de", "mad", "la", "ve", "bad", "tøj", "vask"]
BASE = "https://data.termserver.dk/id/synthetic"
SKOS = "http://www.w3.org/2004/02/skos/core#"


def word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def write_vocabulary(
    path: Path, concepts: int, seed: int = 20261123
) -> tuple[list[str], list[str]]:
    """Write `concepts` concepts as N-Triples; returns their codes and the word list."""
    rng = random.Random(seed)
    vocabulary = [word(rng) for _ in range(5000)]
    codes: list[str] = []
    parents: list[list[str]] = [[]]
    with open(path, "w", encoding="utf-8") as out:
        out.write(f"<{BASE}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                  f"<{SKOS}ConceptScheme> .\n")
        out.write(f"<{BASE}> <http://www.w3.org/2002/07/owl#versionInfo> \"1\" .\n")
        out.write(f"<{BASE}> <http://purl.org/dc/terms/title> \"Syntetisk ordforråd\" .\n")
        for number in range(concepts):
            code = f"S{number:06d}"
            iri = f"<{BASE}/{code}>"
            level = min(len(parents) - 1, rng.randint(0, 4)) if number > 20 else 0
            label = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 3)))
            definition = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(10, 30)))
            out.write(f"{iri} <{SKOS}inScheme> <{BASE}> .\n")
            out.write(f"{iri} <{SKOS}notation> \"{code}\" .\n")
            out.write(f"{iri} <{SKOS}prefLabel> \"{label.capitalize()}\"@da .\n")
            out.write(f"{iri} <{SKOS}definition> \"{definition.capitalize()}.\"@da .\n")
            if number % 5 == 0:
                out.write(f"{iri} <{SKOS}altLabel> \"{rng.choice(vocabulary)}\"@da .\n")
            if level > 0 and parents[level - 1]:
                parent = rng.choice(parents[level - 1][-200:])
                out.write(f"{iri} <{SKOS}broader> <{BASE}/{parent}> .\n")
                target = level
            else:
                target = 0
            while len(parents) <= target:
                parents.append([])
            parents[target].append(code)
            if len(parents) < 5 and target == len(parents) - 1:
                parents.append([])
            codes.append(code)
    return codes, vocabulary
