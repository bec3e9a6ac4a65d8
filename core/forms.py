"""Running a service from a view: turn its refusals into messages on the fields they concern."""

from django.core.exceptions import ValidationError

from core.exceptions import StaleEdit


class ActionResult:
    def __init__(self, key: str, *, ok: bool, message: str = "", errors: dict | None = None, data=None):
        self.key, self.ok, self.message, self.errors, self.data = key, ok, message, errors or {}, data

    @property
    def general_errors(self) -> list:
        return [e for e in self.errors.get("__all__", []) if e not in self.message]

    @property
    def level(self) -> str:
        return "success" if self.ok else "danger"


def run_action(key: str, form, action, success: str) -> ActionResult:
    """Validate the form's shape, then call `action(cleaned_data)`; the service holds the rules."""
    if not form.is_valid():
        return ActionResult(
            key,
            ok=False,
            message="Not saved: please correct the highlighted fields.",
            errors=form.errors,
            data=form.data,
        )
    try:
        action(form.cleaned_data)
    except StaleEdit as exc:
        return ActionResult(key, ok=False, message=str(exc), data=form.data)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        # Problems with no field on this form (e.g. a closed period) go in the message itself.
        unplaced = [m for key, msgs in errors.items() if key == "__all__" or key not in form.fields for m in msgs]
        summary = (
            "Not saved: " + " ".join(unplaced) if unplaced else "Not saved: please correct the highlighted fields."
        )
        return ActionResult(key, ok=False, message=summary, errors=errors, data=form.data)
    return ActionResult(key, ok=True, message=success)
