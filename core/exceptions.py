from django.core.exceptions import PermissionDenied


class StaleEdit(Exception):
    """Someone else saved the record after this form was opened."""

    def __init__(self, message: str, *, current=None):
        super().__init__(message)
        self.current = current


__all__ = ["PermissionDenied", "StaleEdit"]
