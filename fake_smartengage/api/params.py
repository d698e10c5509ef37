"""Parameters that several SmartEngage routes share, described as the reference describes them."""

from .forms import FormField, FormSpec

AVATAR_ID = FormField("avatar_id", "The avatars id", kind="id", required=True)
SUBSCRIBER_ID = FormField("subscriber_id", "The subscribers id", kind="id", required=True)

# The list routes of one avatar's tags, custom fields and sequences.
AVATAR_LIST = FormSpec(AVATAR_ID)
