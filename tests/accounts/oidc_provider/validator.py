"""The provider's claims. A few provider usernames make it misbehave the way a test needs, as a provider
(or a token replayed from another application) could: nothing here is in the app under test."""

import time

from oauth2_provider.oauth2_validators import OAuth2Validator


class Validator(OAuth2Validator):
    def get_additional_claims(self, request):
        user = request.user
        return {
            "email": user.email,
            "email_verified": not user.username.startswith("unverified"),
            "given_name": user.first_name,
            "family_name": user.last_name,
        }

    def get_id_token_dictionary(self, token, token_handler, request):
        claims, expiration = super().get_id_token_dictionary(token, token_handler, request)
        name = request.user.username
        if name.startswith("expired"):
            claims["exp"] = int(time.time()) - 3600  # issued already expired: an hour ago
        if name.startswith("other-audience"):
            claims["aud"] = "some-other-application"  # an ID token meant for another application
        return claims, expiration
