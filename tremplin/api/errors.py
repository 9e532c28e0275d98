"""French error bodies: 422 {"detail", "errors": {field: [messages]}}; 401, 403, 404 and 429 {"detail"}."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from ninja import Schema

# Model field → API field (a phone is stored as mobile or landline; the API has one `phone`).
FIELD_NAMES = {"mobile_phone": "phone", "landline_phone": "phone", NON_FIELD_ERRORS: "__all__"}
PYDANTIC_MESSAGES = {
    "int_parsing": "Indiquez un nombre entier.",
    "int_type": "Indiquez un nombre entier.",
    "string_type": "Indiquez un texte.",
    "missing": "Ce champ est obligatoire.",
    "json_invalid": "Le corps de la requête n'est pas du JSON valide.",
    "model_attributes_type": "Le corps de la requête doit être un objet JSON.",
    "dict_type": "Le corps de la requête doit être un objet JSON.",
    "bool_parsing": "Indiquez true ou false (ou 1 ou 0).",
    "bool_type": "Indiquez true ou false.",
    "list_type": "Indiquez une liste.",
    "string_too_long": "Ce texte est trop long.",
}
# A missing required parameter's own message, by parameter name (filled by the routers).
MISSING_MESSAGES: dict[str, str] = {}


class ApiError(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(errors)


def field_errors(error: ValidationError) -> dict[str, list[str]]:
    if not hasattr(error, "error_dict"):
        return {"__all__": error.messages}
    errors: dict[str, list[str]] = {}
    for name, messages in error.message_dict.items():
        errors.setdefault(FIELD_NAMES.get(name, name), []).extend(messages)
    return errors


def pydantic_errors(errors: list[dict]) -> dict[str, list[str]]:
    """ninja's validation errors (loc like ["body", "payload", "birth_year"]) as French per-field messages."""
    result: dict[str, list[str]] = {}
    for item in errors:
        loc = [str(part) for part in item.get("loc", ()) if part not in ("body", "payload", "query", "path")]
        field = loc[-1] if loc else "__all__"
        kind = item.get("type", "")
        message = MISSING_MESSAGES.get(field) if kind == "missing" else None
        if kind == "value_error":  # our own validators' French messages
            message = str(item.get("msg", "")).removeprefix("Value error, ")
        result.setdefault(field, []).append(message or PYDANTIC_MESSAGES.get(kind, "Valeur invalide."))
    return result


def in_parameters(errors: list[dict]) -> bool:
    """Whether every error is in the query string or the path (not the body)."""
    return all(str(next(iter(item.get("loc", ())), "")) in ("query", "path") for item in errors)


class Message(Schema):
    """An error with its French reason (401, 403, 404, 429)."""

    detail: str


class Errors(Schema):
    """Invalid input (422): the French reason, and the messages per field (`__all__`: the whole request)."""

    detail: str
    errors: dict[str, list[str]]


# The answers every operation may give besides its own: 429 always (rate limits), 401 with a key.
PUBLIC_ERRORS = {429: Message}
KEY_ERRORS = {401: Message, 429: Message}
