"""Referrals (orientations): reminder and expiry delays of an unanswered referral, read from the environment."""

import os

# A referral nobody answers gets one reminder e-mail after this many days…
TREMPLIN_REFERRAL_REMIND_AFTER_DAYS = int(os.environ.get("TREMPLIN_REFERRAL_REMIND_AFTER_DAYS", "7"))
# …and expires this many days after the reminder. The signed link lives remind + expire days.
TREMPLIN_REFERRAL_EXPIRE_AFTER_DAYS = int(os.environ.get("TREMPLIN_REFERRAL_EXPIRE_AFTER_DAYS", "14"))
# Requests per client address on the partner's link page (GET and POST).
TREMPLIN_REFERRAL_LINK_RATE = os.environ.get("TREMPLIN_REFERRAL_LINK_RATE", "60/h")
