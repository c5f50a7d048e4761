"""FFB bestilling: hl7.fhir.dk.kl.messaging.ffb 0.1.0 (draft, 2023-08), on KL-dk 0.7.0.

A message Bundle (MessageHeader first) from the authority to the provider. The guide
still uses KL-dk 0.7.0's canonicals (note §7.2), which the terminology layer maps with a
warning; A&D conditions without severity are legal here (note §7.3), unlike in reporting.
Not declared: the diagnosis profile's `code.coding.system = ""` pattern (a defect, §7.3)
and the consent policy binding to the wrong code system (§7.3).
"""

from __future__ import annotations

from ..model import Binding, DocumentType, Include, Profile, Rule, ValueSet
from .kl_term import CS, FOLLOW_UP_ENCOUNTER

DOCUMENT_TYPE = DocumentType(
    "ffb-bestilling", "FFB bestilling (myndighed → leverandør)", "http://ffb/messaging/kl.dk/1.0/",
    "hl7.fhir.dk.kl.messaging.ffb#0.1.0", True, ("ffb-common",))

_GUIDE = "http://ffb/messaging/kl.dk/1.0/"
_EVENTS = _GUIDE + "CodeSystem/kl-messaging-ffb-messageEventSystem"
_ROLES = _GUIDE + "CodeSystem/kl-messaging-ffb-participantRoleCodes"
_GUARDIANSHIP_FORMS = _GUIDE + "CodeSystem/kl-messaging-ffb-guardianshipFormCodes"
V3_ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"

VALUE_SETS = (
    ValueSet("KLMessagingFFBParticipantRoleValues", (Include(_ROLES, codes=(
        "koordinerende-myndighed", "samarbejdende-myndighed", "koordinerende-udfører")),),
        title="Deltagerroller (bestilling)"),
    ValueSet("KLMessagingFFBGuardianshipFormValues", (Include(_GUARDIANSHIP_FORMS, codes=(
        "5", "6", "7")),), title="Værgemålsform (værgemålslovens § 5, 6, 7)"),
)
"""The guide's own code systems are not in the store: their codes are listed here."""

PROFILES = (
    Profile("kl-messaging-ffb-orderMessage", "Bundle", required=("timestamp",),
            fixed=(("type", "message"),)),
    Profile("kl-messaging-ffb-orderMessageHeader", "MessageHeader",
            required=("destination.receiver", "focus"),
            codings=(("event[x]", _EVENTS, "ffb-order"),)),
    Profile("kl-messaging-ffb-condition", "Condition", required=("code.coding",),
            bindings=(Binding("severity", "KLSeveritiesFFB"),
                      Binding("code.coding", "KLConditionCodesFFB"))),
    Profile("kl-messaging-ffb-targetGroup", "Condition", required=("code", "code.coding")),
    Profile("kl-messaging-ffb-citizenObjective", "Goal",
            codings=(("category", CS, "416fe27d-3ccf-4390-8742-8b52a9d8dc78"),)),
    Profile("kl-messaging-ffb-followUp", "Encounter", required=("type",),
            codings=(("type", CS, FOLLOW_UP_ENCOUNTER),)),
    Profile("kl-messaging-ffb-orderCarePlan", "CarePlan", required=("author", "addresses")),
    Profile("kl-messaging-ffb-intervention", "CarePlan",
            required=("basedOn", "activity.detail", "activity.detail.code")),
    Profile("kl-messaging-ffb-relatedCarePlan", "CarePlan", required=("careTeam",)),
    Profile("kl-messaging-ffb-evaluation", "Observation", required=("subject",)),
    Profile("kl-messaging-ffb-servicePerformer", "CareTeam", required=("subject", "participant"),
            bindings=(Binding("participant.role", "KLMessagingFFBParticipantRoleValues"),)),
    Profile("kl-messaging-ffb-consent", "Consent", required=("patient", "dateTime", "performer")),
    Profile("kl-messaging-ffb-messagingOrganization", "Organization", required=("name",)),
    Profile("kl-messaging-ffb-participatingOrganization", "Organization",
            required=("name", "contact", "contact.name", "contact.telecom")),
    Profile("kl-messaging-ffb-citizen", "Patient",
            required=("telecom", "address.line", "address.city", "address.postalCode")),
    Profile("kl-messaging-ffb-relatedPerson", "RelatedPerson", required=("relationship",)),
    Profile("kl-messaging-ffb-guardian", "RelatedPerson", required=("extension",),
            codings=(("relationship", V3_ROLE_CODE, "GUARD"),),
            bindings=(Binding("extension:kl-messaging-ffb-guardianshipForm.value[x]",
                              "KLMessagingFFBGuardianshipFormValues"),),
            base="kl-messaging-ffb-relatedPerson"),
    Profile("kl-messaging-ffb-account", "Account", required=("identifier",),
            fixed=(("status", "active"),)),
    Profile("kl-messaging-ffb-accountOwner", "Organization", required=("identifier",)),
    Profile("kl-messaging-ffb-documentReference", "DocumentReference",
            fixed=(("status", "current"),)),
)

RULES = (
    Rule("bdl-message-header", "error", "FHIR R4 Bundle (message); FFB bestilling",
         "Et message-Bundle skal have en MessageHeader som første entry."),
)
