"""Single sign-on over OpenID Connect with mozilla-django-oidc, tightened where its defaults are loose.

- The ID token's audience must name our client id and its issuer must be OIDC_OP_ISSUER (mozilla-django-oidc
  checks neither: it decodes with verify_aud off), and it must not have expired. Any failure is a refusal
  with a message and an audit row, never an error page.
- People are matched by a *verified* e-mail address (any of OIDC_EMAIL_VERIFIED_CLAIMS true) to exactly one
  active account. Allowed domains are per partnership (Partnership.sso_email_domains): an account signs in only
  if its address's domain is listed by a partnership it holds a role in (or has an open invitation to), and
  nobody is created unless they have an open invitation from a partnership that lists their domain. An account
  created here has no role until the invitation is accepted.
- Two-step sign-in: an SSO sign-in counts as two-step only with OIDC_IDP_ENFORCES_MFA (the provider demands
  its own second factor); otherwise someone with an authenticator app here is still asked for its code, and
  MFA_REQUIRED still applies.
"""

import logging

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY
from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView

from accounts.middleware import IDP_VERIFIED
from accounts.models import email_domain
from accounts.selectors import sso_partnerships
from accounts.services import security_event_record

log = logging.getLogger(__name__)

REFUSAL = "_sso_refusal"  # on the request: why the backend said no, for the page and the audit row
BACKEND = "accounts.sso.SSOBackend"


def signed_in_with_sso(request) -> bool:
    """Whether this session's sign-in was single sign-on (Django keeps the backend's path in the session)."""
    return request.session.get(BACKEND_SESSION_KEY) == BACKEND


class Refused(Exception):
    """An SSO sign-in we will not accept, with the words to show."""

    def __init__(self, message: str, *, email: str = ""):
        super().__init__(message)
        self.message = message
        self.email = email


class SSOBackend(OIDCAuthenticationBackend):
    def authenticate(self, request, **kwargs):
        if request is None or "code" not in request.GET or "state" not in request.GET:
            return None  # a password sign-in: not ours
        try:
            return super().authenticate(request, **kwargs)
        except Refused as refusal:
            _refuse(request, refusal.message, email=refusal.email)
        except (jwt.ExpiredSignatureError, jwt.ImmatureSignatureError) as error:
            _refuse(request, "The sign-in from the identity provider has expired. Please try again.", detail=error)
        except jwt.InvalidAudienceError as error:
            _refuse(
                request,
                "The identity provider's sign-in was issued for another application, so it was refused.",
                detail=error,
            )
        except jwt.InvalidIssuerError as error:
            _refuse(request, "The sign-in came from an identity provider this site does not trust.", detail=error)
        except (jwt.InvalidTokenError, SuspiciousOperation) as error:
            _refuse(request, "The identity provider's sign-in could not be checked, so it was refused.", detail=error)
        except requests.RequestException as error:
            _refuse(request, "The identity provider could not be reached. Please try again shortly.", detail=error)
        return None

    def _verify_jws(self, payload, key):
        """Check the signature, algorithm, expiry, audience and issuer of the ID token."""
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(f"ID token algorithm {header.get('alg')!r} is not {self.OIDC_RP_SIGN_ALGO}")
        return jwt.decode(
            payload,
            key,
            algorithms=[self.OIDC_RP_SIGN_ALGO],
            audience=self.OIDC_RP_CLIENT_ID,
            issuer=settings.OIDC_OP_ISSUER or None,
            options={"require": ["exp", "iat", "aud", "iss", "sub"]},
            leeway=30,
        )

    def get_or_create_user(self, access_token, id_token, payload):
        # The userinfo endpoint's answer, checked against the verified ID token (same subject); the ID token's
        # own claims (e.g. Entra ID's xms_edov) count too.
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if str(userinfo.get("sub", payload.get("sub"))) != str(payload.get("sub")):
            raise Refused("The identity provider's answers did not match, so the sign-in was refused.")
        claims = {**payload, **userinfo}
        email = (claims.get("email") or "").strip()
        if not email:
            raise Refused(
                "The identity provider did not give an e-mail address, so you cannot be matched to an account."
            )
        if not any(_true(claims.get(name)) for name in settings.OIDC_EMAIL_VERIFIED_CLAIMS):
            raise Refused(
                f"The identity provider has not verified the address {email}, so it cannot be matched to an account.",
                email=email,
            )
        users = list(self.UserModel.objects.filter(email__iexact=email)[:2])
        if len(users) > 1:
            raise Refused(
                f"More than one account here uses {email}: ask the programme office to sort this out.", email=email
            )
        user = users[0] if users else None
        if user is not None and not user.is_active:
            raise Refused("This account is switched off. Ask the programme office.", email=email)
        # The partnerships this sign-in is about: the account's (roles today, open invitations), or for someone with
        # no account, those inviting them. The provider's word counts only where the partnership lists the domain.
        partnerships = sso_partnerships(email=email, user=user)
        domain = email_domain(email)
        if not partnerships:
            raise Refused(
                f"There is no account here for {email}"
                + (" with a role or an open invitation" if user else "")
                + ". Ask the programme office to invite you.",
                email=email,
            )
        if not any(partnership.sso_allows(email) for partnership in partnerships):
            names = ", ".join(str(p) for p in partnerships)
            raise Refused(
                f"Addresses at {domain} are not allowed to sign in with single sign-on to {names}. "
                + ("Sign in with your password, or ask" if user else "Ask")
                + " the programme office.",
                email=email,
            )
        if user is not None:
            return user
        return self._create(email, claims)

    def _create(self, email: str, claims: dict):
        try:
            with transaction.atomic():
                user = self.UserModel(
                    username=email.lower()[:150],
                    email=email,
                    first_name=(claims.get("given_name") or "")[:150],
                    last_name=(claims.get("family_name") or "")[:150],
                )
                user.set_unusable_password()  # signs in through the provider; no roles until given
                user.save()
        except IntegrityError as error:
            raise Refused(
                f"An account named {email.lower()} already exists with another address: ask the programme office.",
                email=email,
            ) from error
        security_event_record(
            kind="sso_account_created", request=self.request, actor=None, subject=user, detail="no role yet"
        )
        return user


def _true(value) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _refuse(request, message: str, *, email: str = "", detail=None) -> None:
    setattr(request, REFUSAL, message)
    log.warning("SSO sign-in refused: %s (%s)", message, detail or email)
    security_event_record(
        kind="sso_refused",
        request=request,
        actor=None,
        username=email,
        detail=message if detail is None else f"{message} ({type(detail).__name__}: {detail})"[:2000],
    )


class SSOCallbackView(OIDCAuthenticationCallbackView):
    """mozilla-django-oidc's callback, with the refusal said on the sign-in page and two-step sign-in kept."""

    def login_failure(self):
        refusal = getattr(self.request, REFUSAL, None)
        if refusal is None and "error" in self.request.GET:
            refusal = "The identity provider did not sign you in."
            _refuse(self.request, refusal, detail=self.request.GET.get("error", "")[:200])
        elif refusal is None:
            refusal = "Single sign-on did not complete. Please try again."
            _refuse(self.request, refusal)
        messages.error(self.request, refusal)
        return redirect(reverse("accounts:login"))

    def login_success(self):
        response = super().login_success()
        if settings.OIDC_IDP_ENFORCES_MFA:
            self.request.session[IDP_VERIFIED] = True
        return response
