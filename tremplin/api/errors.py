"""French error bodies: 422 {"detail", "errors": {field: [messages]}}, 401 and 404 {"detail"}."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

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
}


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
        result.setdefault(field, []).append(PYDANTIC_MESSAGES.get(item.get("type", ""), "Valeur invalide."))
    return result
