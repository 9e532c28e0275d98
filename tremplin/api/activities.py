"""To be written (issue 12)."""

from ninja import Router

router = Router()
