from django_tasks import task

from .journal import verification_record


@task()
def journal_verify_task() -> dict:
    """The worker's daily check of the journal's hash chain (like `manage.py verify_journal`); the result is kept
    as a JournalVerification, shown on the national managers' journal page."""
    verification = verification_record()
    return {
        "intact": verification.intact,
        "entries_checked": verification.entries_checked,
        "first_broken_id": verification.first_broken_id,
    }


@task()
def mandates_daily_task() -> dict:
    """The mandates' daily work (like `manage.py mandates_daily`), for a scheduler that enqueues tasks."""
    from .daily import mandates_daily

    result = mandates_daily()
    return {"expired": result.expired, "warned": result.warned, "lapsed": result.lapsed}
