"""A person's data, as Tremplin holds it, for their right of access (RGPD art. 15) and portability (art. 20).

`person_data(person, shown, viewer)` reads everything attached to one record — identity, consents, screenings,
diagnostics, accompaniments, workshop bookings, messages, referrals, mandates (with their démarches and their
journal), identity checks, the record's journal and who opened it — and returns it as plain sections with French
labels, the same for the JSON file and the large-print PDF. The identity and contact fields come from `shown`, the
PersonShown that tremplin.beneficiaries.disclosure gave after checking the viewer's scope and journaling the
showing: the caller gets it from `disclosure.person_and_shown`, never from the record itself.

Minimal: codes are written with their French label, staff are named by their role only, and internal numbers appear
only where the person may need them (the record, a mandate's verification code).
"""

import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.html import strip_tags

from tremplin.activities.enums import Kind
from tremplin.activities.models import Participant
from tremplin.activities.perms import can_read_notes
from tremplin.beneficiaries import consents as consent_texts
from tremplin.beneficiaries.disclosure import PersonShown
from tremplin.beneficiaries.models import Beneficiary
from tremplin.diagnostics.enums import Area, AreaLevel
from tremplin.diagnostics.models import Diagnostic, Screening
from tremplin.diagnostics.scoring import AREAS
from tremplin.mandates.models import IdentityCheck, Mandate, MandateUse
from tremplin.mandates.models import JournalEntry as MandateJournalEntry
from tremplin.notifications.enums import ContactChannel
from tremplin.notifications.models import Notification
from tremplin.referrals.models import Referral
from tremplin.taxonomy.coop import Thematique
from tremplin.workshops.models import Registration

SECTION_TITLES = {
    "identite": "Identité et coordonnées",
    "consentements": "Consentements",
    "reperages": "Repérages au guichet",
    "diagnostics": "Diagnostics numériques",
    "accompagnements": "Accompagnements et ateliers suivis",
    "inscriptions": "Inscriptions aux ateliers",
    "messages": "Messages envoyés",
    "orientations": "Orientations vers un lieu partenaire",
    "mandats": "Mandats",
    "demarches": "Démarches faites en son nom",
    "verifications_identite": "Vérifications d'identité",
    "journal_fiche": "Historique de la fiche",
    "journal_mandats": "Journal des mandats",
    "consultations": "Consultations de la fiche",
}


def _label(choices, value) -> str:
    """The French label of a code (the code itself if unknown, empty if none)."""
    if not value:
        return ""
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _role(user) -> str:
    return user.get_role_display() if user is not None else "La personne elle-même, ou un traitement automatique"


def _identity(person: Beneficiary, shown: PersonShown) -> dict:
    return {
        "Numéro de fiche": person.pk,
        "Prénom": shown.first_name,
        "Nom": shown.last_name,
        "Pseudonyme": shown.pseudonym,
        "Année de naissance": person.birth_year,
        "Tranche d'âge": person.get_age_band_display(),
        "Genre": person.get_gender_display(),
        "Situation": person.get_social_status_display(),
        "Commune": person.commune.name if person.commune else "",
        "Téléphone mobile": shown.mobile_phone,
        "Téléphone fixe": shown.landline_phone,
        "E-mail": shown.email,
        "Adresse postale": shown.postal_address,
        "Moyen de contact préféré": person.get_preferred_channel_display(),
        "Refuse d'être contactée": person.contact_refused,
        "Organisation qui la suit": person.organisation.name,
        "Lieu de suivi": person.site.name if person.site else "",
        "Fiche créée le": person.created_at,
        "Dernière modification": person.updated_at,
    }


def _consents(person):
    return [
        {
            "Objet": consent.get_kind_display(),
            "Réponse": "accordé" if consent.given else "refusé ou retiré",
            "Le": consent.recorded_at,
            "Recueilli par": _role(consent.recorded_by) if consent.recorded_by else "La personne elle-même, en ligne",
            "Version du texte": consent.text_version,
            "Texte lu à la personne": consent_texts.TEXTS.get(consent.kind, {}).get(consent.text_version, ""),
        }
        for consent in person.consents.select_related("recorded_by").order_by("recorded_at", "pk")
    ]


def _screenings(person):
    return [
        {
            "Le": screening.performed_at,
            "Lieu": screening.site.name if screening.site else "",
            "A utilisé Internet ces 3 derniers mois": screening.used_internet,
            "A une adresse e-mail consultée": screening.has_email,
            "Gêné(e) pour les démarches en ligne": screening.struggles_online,
            "A un smartphone, une tablette ou un ordinateur": screening.has_device,
            "Fragilité numérique repérée": screening.fragile,
            "Suite proposée": screening.get_next_step_display(),
        }
        for screening in Screening.objects.filter(beneficiary=person).select_related("site").order_by("performed_at")
    ]


def _diagnostics(person):
    rows = []
    for diagnostic in Diagnostic.objects.filter(beneficiary=person).select_related("site").order_by("performed_at"):
        row = {
            "Le": diagnostic.performed_at,
            "Lieu": diagnostic.site.name if diagnostic.site else "",
            "Questionnaire": f"{diagnostic.questionnaire_id} (version {diagnostic.questionnaire_version})",
            "A utilisé Internet ces 3 derniers mois": diagnostic.internet_last_3_months,
        }
        for area in AREAS:
            row[_label(Area, area)] = _label(AreaLevel, getattr(diagnostic, area))
        row |= {
            "Niveau global": diagnostic.get_overall_display(),
            "Classe": diagnostic.get_insee_display(),
            "Thématiques conseillées": [_label(Thematique, code) for code in diagnostic.recommended_themes],
            "Niveau d'atelier conseillé": diagnostic.get_recommended_level_display(),
            "Activités déjà faites (codes du questionnaire)": list(diagnostic.answers),
        }
        rows.append(row)
    return rows


def _accompaniments(person, viewer):
    participations = (
        Participant.objects.filter(beneficiary=person).select_related("activity__site").order_by("date", "pk")
    )
    return [
        {
            "Le": row.date,
            "Type": _label(Kind, row.kind),
            "Atelier": row.activity.title,
            "Lieu": row.activity.site.name if row.activity.site else "",
            "Durée (minutes)": row.activity.duration_minutes,
            "Thématiques": [_label(Thematique, code) for code in row.activity.themes],
            "Autonomie": row.activity.get_autonomy_display(),
            # notes stay inside the organisation that wrote them (the same rule as the activity's page)
            "Notes": row.activity.notes if can_read_notes(viewer, row.activity) else "",
        }
        for row in participations
    ]


def _registrations(person):
    registrations = (
        Registration.objects.filter(beneficiary=person)
        .select_related("session__programme", "session__site")
        .order_by("session__starts_at", "pk")
    )
    return [
        {
            "Atelier": registration.session.programme.title,
            "Séance du": registration.session.starts_at,
            "Lieu": registration.session.site.name if registration.session.site else "",
            "État": registration.get_status_display(),
            "Inscription": registration.get_source_display(),
            "Inscrit(e) le": registration.created_at,
            "Annulée le": registration.cancelled_at,
            "Présence": registration.get_attendance_display(),
        }
        for registration in registrations
    ]


def _messages(person):
    rows = []
    for message in Notification.objects.filter(beneficiary=person).order_by("created_at", "pk"):
        text = message.body
        if message.channel == ContactChannel.LETTER:
            text = " ".join(strip_tags(text).split())
        rows.append(
            {
                "Le": message.created_at,
                "Message": message.get_kind_display(),
                "Canal": message.get_channel_display(),
                "État": message.get_status_display(),
                "Destinataire": message.recipient,
                "Objet": message.subject,
                "Texte": text,
                "Envoyé le": message.sent_at,
            }
        )
    return rows


def _referrals(person):
    referrals = (
        Referral.objects.filter(beneficiary=person)
        .select_related("place")
        .prefetch_related("events")
        .order_by("created_at", "pk")
    )
    return [
        {
            "Envoyée le": referral.created_at,
            "Lieu": referral.place.name,
            "Service demandé": referral.service,
            "Motif": referral.reason,
            "À savoir pour le lieu": referral.note,
            "État": referral.get_status_display(),
            "Motif du refus": referral.get_decline_reason_display(),
            "Précision sur le refus": referral.decline_text,
            "Étapes": [
                f"{event.get_status_display()} le {timezone.localtime(event.at):%d/%m/%Y}"
                for event in referral.events.all()
            ],
        }
        for referral in referrals
    ]


def _mandates(mandates):
    return [
        {
            "Code de vérification": mandate.verification_code,
            "Organisation": mandate.organisation.name,
            "Durée": mandate.get_duration_display(),
            "État": mandate.get_status_display(),
            "Préparé le": mandate.created_at,
            "Valable du": mandate.starts_at,
            "Valable jusqu'au": mandate.ends_at,
            "Fin effective": mandate.ended_at,
            "Catégories de démarches": [
                authorisation.get_category_display()
                + (
                    f" (révoquée le {timezone.localtime(authorisation.revoked_at):%d/%m/%Y})"
                    if authorisation.revoked_at
                    else ""
                )
                for authorisation in mandate.authorisations.all()
            ],
            "Signature": mandate.get_signature_method_display(),
            "Version du texte": mandate.text_version,
            "Texte du mandat": mandate.text,
        }
        for mandate in mandates
    ]


def _uses(person):
    uses = MandateUse.objects.filter(mandate__beneficiary=person).select_related("mandate").order_by("at", "pk")
    return [
        {
            "Le": use.at,
            "Catégorie": use.get_category_display(),
            "Démarche": use.procedure,
            "Résultat": use.get_outcome_display(),
            "Par": _role(use.mediator),
            "Mandat": use.mandate.verification_code,
        }
        for use in uses
    ]


def _identity_checks(person):
    return [
        {
            "Le": check.checked_at,
            "Vérification": check.get_method_display(),
            "Pièce présentée": check.get_document_display(),
        }
        for check in IdentityCheck.objects.filter(beneficiary=person).order_by("checked_at", "pk")
    ]


def _record_journal(person):
    return [
        {"Le": entry.at, "Action": entry.get_action_display(), "Par": _role(entry.actor)}
        for entry in person.journal.select_related("actor").order_by("at", "pk")
    ]


def _mandate_journal(person, mandate_ids):
    entries = MandateJournalEntry.objects.filter(Q(beneficiary_id=person.pk) | Q(mandate_id__in=mandate_ids))
    return [
        {"Le": entry.at, "Événement": entry.get_action_display(), "N° dans le journal": entry.position}
        for entry in entries.order_by("position")
    ]


def _openings(person):
    return [
        {
            "Le": opening.at,
            "Écran": opening.get_purpose_display(),
            "À propos de": opening.about,
            "Par": _role(opening.user),
            "Accès": "autorisé" if opening.granted else "refusé (hors du périmètre de la personne)",
        }
        for opening in person.access_logs.select_related("user").order_by("at", "pk")
    ]


def person_data(person: Beneficiary, shown: PersonShown, viewer, *, now: datetime.datetime | None = None) -> dict:
    """Every section, keyed as SECTION_TITLES (plus « document »), in the order a reader expects."""
    mandates = list(
        Mandate.objects.filter(beneficiary=person)
        .select_related("organisation")
        .prefetch_related("authorisations")
        .order_by("created_at", "pk")
    )
    return {
        "document": {
            "Titre": "Vos données enregistrées dans Tremplin",
            "Produit le": now or timezone.now(),
            "Responsable": person.organisation.name,
        },
        "identite": _identity(person, shown),
        "consentements": _consents(person),
        "reperages": _screenings(person),
        "diagnostics": _diagnostics(person),
        "accompagnements": _accompaniments(person, viewer),
        "inscriptions": _registrations(person),
        "messages": _messages(person),
        "orientations": _referrals(person),
        "mandats": _mandates(mandates),
        "demarches": _uses(person),
        "verifications_identite": _identity_checks(person),
        "journal_fiche": _record_journal(person),
        "journal_mandats": _mandate_journal(person, [mandate.pk for mandate in mandates]),
        "consultations": _openings(person),
    }
