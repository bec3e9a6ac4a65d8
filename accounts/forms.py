from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model

from accounts.services import security_event_record


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, also for invited accounts that have no password yet (the link sets their first
    one), and audited: each request is a security event, whether or not the address has an account."""

    request = None  # set by the view before save()

    def get_users(self, email):
        email_field = get_user_model().get_email_field_name()
        users = get_user_model()._default_manager.filter(**{f"{email_field}__iexact": email, "is_active": True})
        return (user for user in users if auth_forms._unicode_ci_compare(email, getattr(user, email_field)))

    def save(self, *args, **kwargs):
        email = self.cleaned_data["email"]
        users = list(self.get_users(email))
        security_event_record(
            kind="password_reset_requested",
            request=self.request,
            actor=None,
            subject=users[0] if len(users) == 1 else None,
            username=email,
            detail=f"link sent to {len(users)} account{'s' if len(users) != 1 else ''}",
        )
        return super().save(*args, **kwargs)


class SecondFactorResetForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        label="Why",
        help_text="For example: lost phone, confirmed by a call to their manager.",
        error_messages={"required": "Say why you are resetting it."},
    )


class InvitationPasswordForm(forms.Form):
    """The first password of an invited account (checked by Django's password validators in the service)."""

    password1 = forms.CharField(label="Choose a password", widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label="The same password again", widget=forms.PasswordInput, strip=False)

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", "The two passwords are not the same.")
        return data
