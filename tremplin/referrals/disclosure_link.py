"""What the receiving place sees of the referred person: only what it needs to contact them.

The partner is outside the person's organisation, so `disclosure.people_shown` would mask them. A referral is
the person's agreed reason for this showing: the place sees first name, last name, phone and e-mail (never the
postal address nor the record), while the referral is open, and each showing is journaled in the person's
access log:
- by the partner's account (purpose « orientation »);
- through the signed link, which has no account: under the referring mediator (purpose « orientation_lien »),
  « about » saying it was the place's link.
Through `disclosure.shown_for_referral` and `disclosure.journal_showings`.
"""

from tremplin.beneficiaries import disclosure
from tremplin.beneficiaries.disclosure import PersonShown
from tremplin.beneficiaries.enums import AccessPurpose

from .enums import OPEN_STATUSES
from .models import Referral

CLOSED_LABEL = "Coordonnées retirées (orientation close)"
PURPOSE_PARTNER = AccessPurpose.REFERRAL
PURPOSE_LINK = AccessPurpose.REFERRAL_LINK


def _contact_only(shown: PersonShown) -> PersonShown:
    return PersonShown(
        pk=shown.pk,
        in_scope=shown.in_scope,
        name=shown.name,
        first_name=shown.first_name,
        last_name=shown.last_name,
        pseudonym=shown.pseudonym,
        greeting_name=shown.greeting_name,
        mobile_phone=shown.mobile_phone,
        landline_phone=shown.landline_phone,
        email=shown.email,
        contact_refused=shown.contact_refused,
    )


def _about(referral: Referral, *, via_link: bool) -> str:
    return f"orientation n° {referral.pk}" + (" (lien partenaire)" if via_link else "")


def referred_people_shown(referrals, *, viewer=None, via_link: bool = False) -> list[Referral]:
    """Set `referral.person` on each referral as the receiving place may see it (masked once closed), journaled."""
    referrals = list(referrals)
    journals: dict[tuple, tuple] = {}  # (account, about) → (account, person ids): one insert each
    for referral in referrals:
        person = referral.beneficiary
        visible = referral.status in OPEN_STATUSES and person.merged_into_id is None
        referral.person = (
            _contact_only(disclosure.shown_for_referral(person))
            if visible
            else PersonShown(pk=person.pk, in_scope=False, name=CLOSED_LABEL, last_name=CLOSED_LABEL)
        )
        if visible and person.anonymised_at is None:
            user = referral.referred_by if via_link else viewer
            key = (user.pk, _about(referral, via_link=via_link))
            journals.setdefault(key, (user, []))[1].append(person.pk)
    purpose = PURPOSE_LINK if via_link else PURPOSE_PARTNER
    for (_, about), (user, pks) in journals.items():
        disclosure.journal_showings(user, pks, purpose=purpose, about=about)
    return referrals


def person_shown_by_link(referral: Referral) -> PersonShown:
    return referred_people_shown([referral], via_link=True)[0].person


def person_shown_to_partner(viewer, referral: Referral) -> PersonShown:
    return referred_people_shown([referral], viewer=viewer)[0].person
