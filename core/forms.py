"""Forms and views meet services here: one way to turn a service's refusal into words on the page.

Forms check the shape of input; services hold the rules and raise ValidationError (or StaleEdit when
someone saved first). Every view hands those to the helpers below rather than unpacking them itself.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from core.exceptions import StaleEdit

NOT_SAVED = "Not saved: please correct the highlighted fields."


class VersionedForm(forms.Form):
    """Every edit form carries the version of the record it was opened on (stale edits are refused)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def error_dict(exc: ValidationError) -> dict[str, list[str]]:
    """A service's refusal as {field: [messages]}; messages that name no field are under "__all__"."""
    if hasattr(exc, "error_dict"):
        return {name: list(messages) for name, messages in exc.message_dict.items()}
    return {"__all__": list(exc.messages)}


def error_messages(exc: ValidationError) -> list[str]:
    """Every message of a refusal, in order, for a one-line "Not saved: …" message."""
    return [message for messages in error_dict(exc).values() for message in messages]


def not_saved_text(exc: ValidationError | StaleEdit) -> str:
    """'Not saved: <every reason>' for a message banner."""
    if isinstance(exc, StaleEdit):
        return str(exc)
    return "Not saved: " + " ".join(error_messages(exc))


def add_service_errors(form: forms.BaseForm, exc: ValidationError | StaleEdit) -> None:
    """Put a service's refusal on the form: each message on its field, the rest at the top of the form."""
    if isinstance(exc, StaleEdit):
        form.add_error(None, str(exc))
        return
    for name, messages in error_dict(exc).items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)


@dataclass
class Saved:
    """What `save_with` did: ok, and the service's return value when it saved."""

    ok: bool
    value: Any = None


def save_with(form: forms.BaseForm, action: Callable[[dict], Any]) -> Saved:
    """Validate the form, then call `action(cleaned_data)`; a refusal lands on the form and nothing is saved."""
    if not form.is_valid():
        return Saved(ok=False)
    try:
        return Saved(ok=True, value=action(form.cleaned_data))
    except (ValidationError, StaleEdit) as exc:
        add_service_errors(form, exc)
        return Saved(ok=False)


@dataclass
class ActionResult:
    """The outcome of an in-place (htmx) action, shown beside the thing it changed."""

    key: str
    ok: bool
    message: str = ""
    errors: dict = field(default_factory=dict)
    data: Any = None

    @property
    def general_errors(self) -> list:
        return [e for e in self.errors.get("__all__", []) if e not in self.message]

    @property
    def level(self) -> str:
        return "success" if self.ok else "danger"


def run_action(key: str, form: forms.BaseForm, action: Callable[[dict], Any], success: str) -> ActionResult:
    """Validate the form's shape, then call `action(cleaned_data)`; the service holds the rules."""
    if not form.is_valid():
        return ActionResult(key, ok=False, message=NOT_SAVED, errors=form.errors, data=form.data)
    try:
        action(form.cleaned_data)
    except StaleEdit as exc:
        return ActionResult(key, ok=False, message=str(exc), data=form.data)
    except ValidationError as exc:
        errors = error_dict(exc)
        # Problems with no field on this form (e.g. a closed period) go in the message itself.
        unplaced = [m for name, msgs in errors.items() if name == "__all__" or name not in form.fields for m in msgs]
        summary = "Not saved: " + " ".join(unplaced) if unplaced else NOT_SAVED
        return ActionResult(key, ok=False, message=summary, errors=errors, data=form.data)
    return ActionResult(key, ok=True, message=success)
