"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from sovcloud.errors import ValidationFailed

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile
#: verified against when the user does not exist, so timing does not reveal which usernames exist
DUMMY_HASH = _hasher.hash("sovcloud-dummy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def check_policy(password: str, *, username: str, min_length: int) -> None:
    """ANSSI-style policy: long enough, three character classes of four, not built on the username.

    Raises:
        ValidationFailed: the password breaks the policy (the message says which rule).
    """
    problems = []
    if len(password) < min_length:
        problems.append(f"au moins {min_length} caractères")
    classes = sum([
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ])
    if classes < 3:
        problems.append("au moins trois types de caractères parmi minuscules, majuscules, chiffres, symboles")
    if username and username.lower() in password.lower():
        problems.append("ne pas contenir l'identifiant")
    if problems:
        raise ValidationFailed("Mot de passe refusé : " + " ; ".join(problems) + ".", field="password")
