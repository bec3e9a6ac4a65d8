"""Downloads of stored files (issued reports, signed-off returns): served exactly as stored, or not at all."""

import base64
import hashlib
import logging

from django.http import HttpResponse
from django.utils.http import content_disposition_header

logger = logging.getLogger(__name__)


def stored_file_response(
    content: bytes, *, filename: str, content_type: str, recorded_sha256: str = "", inline: bool = False
) -> HttpResponse:
    """The file as a download carrying its SHA-256 (RFC 9530 Repr-Digest, so a recipient can check it).

    With `recorded_sha256` (the hash stored when the file was issued or signed off), bytes that no longer match
    it were changed outside the app: they are refused (409) and logged, never handed out as the record.
    """
    content = bytes(content)
    digest = hashlib.sha256(content)
    if recorded_sha256 and digest.hexdigest() != recorded_sha256:
        logger.error("Stored file %s no longer matches its recorded SHA-256 %s", filename, recorded_sha256)
        return HttpResponse(
            "This file no longer matches the SHA-256 recorded when it was issued or signed off, so it is not "
            "served. Tell the system administrator: the file must be restored from a backup.",
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, filename) or "attachment"
    response["Repr-Digest"] = f"sha-256=:{base64.b64encode(digest.digest()).decode()}:"
    return response
