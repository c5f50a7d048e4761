"""Refusals of the authoring functions, explained in Danish for methodologists.

The authoring functions answer the API's clients in English with structured details
(which role is missing, which check is stale); the pages read those details and say the
same in Danish, with what to do next. What is not recognised keeps the original message
under a Danish heading, so nothing is ever hidden.
"""

from __future__ import annotations

from ...errors import (
    BadRequest,
    DatabaseUnavailable,
    Forbidden,
    NotFound,
    Overloaded,
    TermserverError,
    Unauthorized,
)

ROLE_NAMES = {"editor": "redaktør", "reviewer": "reviewer", "publisher": "udgiver",
              "admin": "administrator", "reader": "læser"}
DRAFT_STATUS = {"open": "åbent", "in_review": "til review", "approved": "godkendt",
                "published": "udgivet", "closed": "lukket"}
EDIT_KINDS = {"create": "oprettet", "update": "ændret", "retire": "udgået",
              "rename": "ny kode", "delete": "slettet", "undo": "fortrudt",
              "rebase": "opdateret til ny udgivelse"}
IMPACT_CHANGES = {"retired": "udgår", "moved": "flyttes", "deleted": "slettes"}
FIELD_NAMES = {"labels": "Betegnelser", "alt_labels": "Synonymer", "hidden_labels": "Søgeord",
               "definitions": "Definition", "notes": "Noter", "status": "Status",
               "broader": "Overbegreb", "replaced_by": "Erstattet af",
               "mappings": "Koblinger", "properties": "Katalogfelter", "code": "Kode",
               "reason": "Årsag", "comment": "Kommentar", "title": "Titel",
               "scheme": "Begrebssamling", "version": "Version", "*": "Hele begrebet",
               "order": "Rækkefølge", "uri": "IRI"}


def explain(exc: TermserverError) -> tuple[str, str]:
    """(title, message) in Danish for an error of an authoring function."""
    details = exc.details or {}
    if isinstance(exc, Unauthorized):
        return "Du er ikke logget ind", "Log ind og prøv igen."
    if isinstance(exc, Forbidden):
        return "Det har du ikke adgang til", forbidden(exc)
    if isinstance(exc, NotFound):
        return "Findes ikke", not_found(exc)
    if isinstance(exc, DatabaseUnavailable):
        return ("Redaktionen er utilgængelig",
                "Redaktionens database kan ikke nås lige nu, så intet er ændret. Opslag og "
                "søgning i begreberne virker stadig. Prøv igen om lidt, og kontakt driften, "
                "hvis det varer ved.")
    if isinstance(exc, Overloaded):
        return ("Prøv igen om et øjeblik",
                "Serveren har ikke indlæst den nyeste udgivelse endnu. Prøv igen om et par "
                "sekunder.")
    if exc.status_code == 409:
        return "Det kan ikke lade sig gøre lige nu", conflict(exc)
    if isinstance(exc, BadRequest) and "version" in details and "field" not in details:
        return ("Versionen kan ikke bruges",
                "En version består af bogstaver, tal og . - _ ~ (højst 64 tegn), fx 2026.3. "
                "Lad feltet stå tomt for samlingens næste version.")
    if isinstance(exc, BadRequest) and details.get("field") == "concept":
        return ("Begrebet findes ikke i udkastet",
                f"Kommentaren peger på »{details.get('code')}«, som ikke er et begreb i "
                "udkastet; vælg et af udkastets begreber eller hele udkastet.")
    if isinstance(exc, BadRequest):
        field = FIELD_NAMES.get(str(details.get("field", "")), details.get("field"))
        where = f"{field}: " if field else ""
        return "Noget i formularen kan ikke bruges", f"{where}{exc.message}"
    return "Der skete en fejl", exc.message


def forbidden(exc: TermserverError) -> str:
    details = exc.details or {}
    if "authors" in details:
        return ("Et udkast skal reviewes af en anden end den, der har skrevet det. Du har "
                "selv oprettet eller ændret dette udkast; bed en anden reviewer om at se på "
                "det.")
    role = ROLE_NAMES.get(details.get("missing_role", ""), details.get("missing_role"))
    scheme = details.get("scheme")
    if role and details.get("official"):
        return (f"Det kræver rollen {role} på {scheme}, tildelt ved navn: {scheme} er en "
                "officiel KL/WHO-samling, som kun ændres, hvis en administrator udtrykkeligt "
                "giver adgang til netop den.")
    if role:
        where = "alle samlinger" if scheme in (None, "*") else scheme
        return (f"Det kræver rollen {role} på {where}, og den har du ikke. En administrator "
                "kan give dig den (termserver users grant).")
    return exc.message


def not_found(exc: TermserverError) -> str:
    details = exc.details or {}
    if "code" in details and "draft" in details:
        return f"Begrebet »{details['code']}« findes ikke i udkast {details['draft']}."
    if "draft" in details:
        return f"Der er intet udkast nummer {details['draft']}."
    return exc.message


def conflict(exc: TermserverError) -> str:
    details = exc.details or {}
    status = DRAFT_STATUS.get(str(details.get("status", "")), details.get("status"))
    if exc.code == "version-exists":
        return (f"Version {details.get('version')} er allerede udgivet, og en udgivelse "
                "ændres aldrig. Vælg en anden version, eller lad feltet stå tomt for den næste.")
    if "latest" in details:
        return (f"Der er udgivet en nyere version ({details['latest']}) af samlingen, siden "
                "udkastet blev lavet. Opdatér udkastet til den nyeste udgivelse (knappen "
                "»Opdatér til nyeste udgivelse«), kontrollér det og få det reviewet igen.")
    if "published_in" in details:
        return (f"Begrebet »{details.get('code')}« er udgivet "
                f"({', '.join(details['published_in'])}), og andre henviser til det. Det kan "
                "ikke slettes eller få ny kode; lad det udgå og angiv, hvad der erstatter det.")
    if "errors" in details:
        return (f"Seneste kontrol fandt {details['errors']} fejl. Ret dem, kontrollér "
                "udkastet igen, og prøv så igen.")
    if "checked_revision" in details:
        return ("Udkastet er ændret siden seneste kontrol. Kontrollér det igen (knappen "
                "»Kontrollér udkastet«), og prøv så igen.")
    if "check" in details and details["check"] is None:
        return "Udkastet er ikke kontrolleret endnu. Tryk »Kontrollér udkastet« først."
    if "revision" in details and "status" not in details:
        return ("Udkastet skal have en bestået kontrol af den nuværende udgave. Kontrollér "
                "det, og prøv så igen.")
    if "base" in details and "onto" not in details and "latest" not in details:
        return "Udkastet bygger allerede på den nyeste udgivelse; der er intet at opdatere."
    if status == "udgivet" and "version" in details:
        return f"Udkastet er allerede udgivet som version {details['version']}."
    if status:
        return (f"Udkastet er {status}, så det kan ikke lade sig gøre. "
                + _next_step(str(details.get("status"))))
    if "draft" in details and "code" not in details and "edit" not in details:
        return "Udkastet har ingen ændringer endnu, så der er intet at sende til review."
    return exc.message


def _next_step(status: str) -> str:
    return {
        "open": "Send det til review, når det er kontrolleret.",
        "in_review": "Det venter på en reviewer.",
        "approved": "Det venter på at blive udgivet.",
        "published": "Lav et nyt udkast til yderligere ændringer.",
        "closed": "Lav et nyt udkast til yderligere ændringer.",
    }.get(status, "")
