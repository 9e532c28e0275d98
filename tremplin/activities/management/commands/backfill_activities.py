"""Write the timeline records of what was done before activity records existed (diagnostics, counter screenings,
referrals, démarches under a mandate, workshop sessions with an attendance sheet). Idempotent: a source that
already has its record is brought up to date, never doubled."""

from django.core.management.base import BaseCommand

from tremplin.activities import services
from tremplin.activities.models import Activity


class Command(BaseCommand):
    help = "Crée les activités des diagnostics, repérages, orientations, démarches et séances déjà enregistrés."

    def handle(self, *args, **options):
        from tremplin.diagnostics.models import Diagnostic, Screening
        from tremplin.mandates.models import MandateUse
        from tremplin.referrals.models import Referral
        from tremplin.workshops.models import Session

        sources = (
            ("diagnostics", Diagnostic.objects.filter(activity__isnull=True).select_related("beneficiary")),
            ("repérages", Screening.objects.filter(activity__isnull=True).select_related("beneficiary")),
            ("orientations", Referral.objects.filter(activity__isnull=True).select_related("beneficiary", "place")),
            ("démarches", MandateUse.objects.filter(activity__isnull=True).select_related("mandate__beneficiary")),
        )
        for label, queryset in sources:
            count = 0
            for source in queryset.iterator(chunk_size=500):
                services.activity_for_source(source=source)
                count += 1
            self.stdout.write(f"{label} : {count} activité(s) créée(s)")
        sessions = Session.objects.filter(activity__isnull=True, registrations__attendance="present").distinct()
        count = 0
        for session in sessions.select_related("programme", "site", "mediator").iterator(chunk_size=200):
            if services.activity_sync_session(session=session) is not None:
                count += 1
        self.stdout.write(f"séances : {count} activité(s) créée(s)")
        self.stdout.write(f"Total : {Activity.objects.count()} activité(s).")
