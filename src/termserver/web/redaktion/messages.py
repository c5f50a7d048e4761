"""The fixed status messages a page shows after a change (`?besked=<key>`): a key from
the redirect, never text from the request, so nothing can be injected into a page."""

from __future__ import annotations

MESSAGES = {
    "oprettet": "Udkastet er oprettet. Tilføj eller ret begreber herunder.",
    "kontrolleret": "Udkastet er kontrolleret; resultatet står under »Kontrol«.",
    "indsendt": "Udkastet er sendt til review.",
    "godkendt": "Udkastet er godkendt og kan nu udgives.",
    "aendringer": "Udkastet er sendt tilbage til redaktøren med din kommentar.",
    "udgivet": "Udkastet er udgivet. De offentlige sider viser den nye version inden for "
               "få sekunder.",
    "opdateret": "Udkastet bygger nu på den nyeste udgivelse. Kontrollér det, og send det "
                 "til review igen.",
    "lukket": "Udkastet er lukket.",
    "gemt": "Begrebet er gemt.",
    "ark": "Filens ændringer er anvendt på udkastet; de står herunder. Kontrollér "
           "udkastet igen.",
}
