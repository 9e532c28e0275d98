"""The one read path for showing who a person is or how to reach them.

Every screen, export, PDF, message list and API answer that shows a person's name, phone, e-mail or
address gets it from here, with the viewer and the purpose of the showing:

- `person_for_viewer`: one person's record (the record page, their diagnostic, their documents), refused
  when the person is outside the viewer's scope; the refusal is journaled too;
- `people_shown`: the people listed on a screen (a session's list, an attendance sheet, the calls to make,
  the letters to print…). A person outside the viewer's scope (`perms.beneficiary_scope`: above all, another
  organisation's person) still appears — seats are counted, attendance can be taken — but masked:
  « Personne d'une autre structure », no phone, no e-mail, no address, no link to their record.

Each showing of an unmasked person writes one `AccessLog` row per person (one insert per screen), with the
purpose and what the screen was about, so that the record's history lists every screen that showed them.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from .enums import AccessPurpose
from .models import ANONYMOUS_LABEL, AccessLog, Beneficiary
from .perms import beneficiary_scope

MASKED_LABEL = "Personne d'une autre structure"


@dataclass(frozen=True)
class PersonShown:
    """What a screen may show of one person. Templates read this, never the record's own fields."""

    pk: int
    in_scope: bool
    name: str
    first_name: str = ""
    last_name: str = ""
    pseudonym: str = ""
    greeting_name: str = ""
    mobile_phone: str = ""
    landline_phone: str = ""
    email: str = ""
    postal_address: str = ""
    contact_refused: bool = False

    def __str__(self) -> str:
        return self.name

    @property
    def phone(self) -> str:
        """The number to call or text first (mobile, else landline)."""
        return self.mobile_phone or self.landline_phone

    @property
    def is_masked(self) -> bool:
        return not self.in_scope


def _shown(person: Beneficiary, in_scope: bool) -> PersonShown:
    if not in_scope:
        return PersonShown(pk=person.pk, in_scope=False, name=MASKED_LABEL, last_name=MASKED_LABEL)
    if person.anonymised_at:
        return PersonShown(pk=person.pk, in_scope=True, name=ANONYMOUS_LABEL, last_name=ANONYMOUS_LABEL)
    return PersonShown(
        pk=person.pk,
        in_scope=True,
        name=person.display_name,
        first_name=person.first_name,
        last_name=person.last_name,
        pseudonym=person.pseudonym,
        greeting_name=person.greeting_name,
        mobile_phone=person.mobile_phone,
        landline_phone=person.landline_phone,
        email=person.email,
        postal_address=person.postal_address,
        contact_refused=person.contact_refused,
    )


def _scoped_pks(viewer, pks: set[int]) -> set[int]:
    scope = beneficiary_scope(viewer)
    if scope is None or not pks:
        return set()
    return set(Beneficiary.objects.filter(scope, pk__in=pks).values_list("pk", flat=True))


def _journal(viewer, pks: Iterable[int], *, purpose: str, about: str, granted: bool = True) -> None:
    rows = [
        AccessLog(beneficiary_id=pk, user=viewer, purpose=purpose, about=about[:200], granted=granted)
        for pk in sorted(pks)
    ]
    if rows:
        AccessLog.objects.bulk_create(rows)


def people_shown(
    viewer, people: Iterable[Beneficiary | None], *, purpose: str, about: str = ""
) -> dict[int, PersonShown]:
    """What `viewer` may see of each of `people`, keyed by record id; journals the unmasked ones.

    Two queries whatever the number of people: the scope check and one insert into the access log."""
    if purpose not in AccessPurpose.values:
        raise ValueError(f"Objet de consultation inconnu : {purpose}")
    by_pk = {person.pk: person for person in people if person is not None}
    visible = _scoped_pks(viewer, set(by_pk))
    shown = {pk: _shown(person, pk in visible) for pk, person in by_pk.items()}
    _journal(viewer, (pk for pk in visible if by_pk[pk].anonymised_at is None), purpose=purpose, about=about)
    return shown


def person_shown(viewer, person: Beneficiary, *, purpose: str, about: str = "") -> PersonShown:
    return people_shown(viewer, [person], purpose=purpose, about=about)[person.pk]


def attach_people(viewer, rows: Iterable, *, purpose: str, about: str = "", attribute: str | None = "beneficiary"):
    """Set `row.person` (a PersonShown, or None) on each row: registrations, messages, or (attribute None) the
    records themselves. Returns the rows as a list."""
    rows = list(rows)
    persons = [row if attribute is None else getattr(row, attribute) for row in rows]
    shown = people_shown(viewer, persons, purpose=purpose, about=about)
    for row, person in zip(rows, persons, strict=True):
        row.person = None if person is None else shown[person.pk]
    return rows


def person_for_viewer(
    viewer, pk, *, purpose: str = AccessPurpose.RECORD, about: str = "", queryset=None
) -> Beneficiary:
    """One active person's record if `viewer` may see it, journaled; else Beneficiary.DoesNotExist (the refused
    opening of an existing record is journaled too, so that its team sees who tried)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Beneficiary.DoesNotExist("Personne introuvable") from None
    queryset = Beneficiary.objects.all() if queryset is None else queryset
    scope = beneficiary_scope(viewer)
    person = None if scope is None else queryset.active().filter(scope).filter(pk=pk).first()
    if person is None:
        existing = Beneficiary.objects.filter(pk=pk).values_list("pk", flat=True).first()
        if existing is not None:
            _journal(viewer, [existing], purpose=purpose, about=about, granted=False)
        raise Beneficiary.DoesNotExist("Personne introuvable")
    _journal(viewer, [person.pk], purpose=purpose, about=about)
    return person


def person_and_shown(viewer, pk, *, purpose: str, about: str = "", queryset=None) -> tuple[Beneficiary, PersonShown]:
    """`person_for_viewer` (one journaled showing) and what a screen shows of them, for pages that act on the
    record but display it through a PersonShown (mandate and referral forms)."""
    person = person_for_viewer(viewer, pk, purpose=purpose, about=about, queryset=queryset)
    return person, _shown(person, True)


# --- Showings agreed outside the person's organisation --------------------------------------------------
# A referral (tremplin.referrals) is the person's agreed reason to show their contact to the receiving place,
# which is outside their organisation: tremplin.referrals.disclosure_link decides what and when, and uses these
# two, so that the showing and its journal stay written here.


def shown_for_referral(person: Beneficiary) -> PersonShown:
    """What a receiving place may be shown (unmasked): the caller narrows it to what contacting needs."""
    return _shown(person, True)


def journal_showings(user, pks: Iterable[int], *, purpose: str, about: str) -> None:
    """Journal showings made for `user` (an account; for a signed link, the referring mediator)."""
    if purpose not in AccessPurpose.values:
        raise ValueError(f"Objet de consultation inconnu : {purpose}")
    _journal(user, pks, purpose=purpose, about=about)
