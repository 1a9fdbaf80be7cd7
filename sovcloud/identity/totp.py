"""TOTP (RFC 6238) seeds, encrypted at rest, verified with replay protection."""

from __future__ import annotations

import base64
import hashlib
import io
from datetime import datetime

import pyotp
import qrcode
import qrcode.image.svg
from cryptography.fernet import Fernet, InvalidToken


class SecretBox:
    """Symmetric encryption of small secrets under a key derived from the settings' secret key."""

    def __init__(self, secret_key: str) -> None:
        digest = hashlib.sha256(b"sovcloud-secretbox:" + secret_key.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:  # pragma: no cover - a key change
            raise ValueError("secret cannot be decrypted with the current key") from exc


def new_seed() -> str:
    return pyotp.random_base32()


def provisioning_uri(seed: str, *, username: str, issuer: str) -> str:
    return pyotp.TOTP(seed).provisioning_uri(name=username, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG (no external service sees the seed)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def matching_step(seed: str, code: str, at: datetime, last_step: int | None) -> int | None:
    """The 30 s time step ``code`` is valid for (±1 step of drift), or None. A step at or before
    ``last_step`` is refused so a code cannot be replayed."""
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(seed)
    current = int(at.timestamp()) // 30
    for step in (current, current - 1, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None
