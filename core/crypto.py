"""Encryption at rest for national ID and bank card numbers, with a searchable blind index.

- ``encrypt`` / ``decrypt``: Fernet (AES-128-CBC + HMAC-SHA256) through MultiFernet, so keys
  can be rotated: the first key of FIELD_ENCRYPTION_KEYS encrypts, every key decrypts;
  ``rotate`` re-encrypts a token with the first key.
- ``blind_index``: a keyed HMAC-SHA256 of the normalised value, per purpose. Equal values give
  equal indexes (lookup and uniqueness work in the database), while the table holds neither
  the value nor an unkeyed hash of it (an 18-digit ID has too little entropy for a plain hash).

A model keeps two columns per secret (``<name>_cipher`` and ``<name>_index``) and exposes the
clear value through ``EncryptedValue``; the raw value never reaches the table.
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _derive(label: str) -> bytes:
    """A development key derived from SECRET_KEY (production sets real keys)."""
    return _derived(label, settings.SECRET_KEY)


@lru_cache(maxsize=8)
def _derived(label: str, secret: str) -> bytes:
    return hashlib.sha256(f"{label}:{secret}".encode()).digest()


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must hold url-safe base64 32-byte keys "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
        ) from error


def _keys() -> tuple[str, ...]:
    keys = tuple(getattr(settings, "FIELD_ENCRYPTION_KEYS", ()) or ())
    if not keys:
        keys = (base64.urlsafe_b64encode(_derive("field-encryption")).decode(),)
    return keys


def _index_key() -> bytes:
    key = getattr(settings, "BLIND_INDEX_KEY", "") or ""
    return key.encode() if key else _derive("blind-index")


def encrypt(value: str) -> str:
    return _fernet(_keys()).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(_keys()).decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured("An encrypted value cannot be read with the configured keys.") from error


def rotate(token: str) -> str:
    return _fernet(_keys()).rotate(token.encode()).decode()


def blind_index(value: str, *, purpose: str) -> str:
    normalised = "".join(str(value).split()).upper()
    digest = hmac.new(_index_key(), f"{purpose}\x00{normalised}".encode(), hashlib.sha256)
    return digest.hexdigest()


class EncryptedValue(property):
    """A descriptor: ``person.id_number = "3412…"`` fills ``id_number_cipher`` and
    ``id_number_index``; reading decrypts (cached on the instance
    with the token it came from, so a refresh from the database is seen). It is a property
    subclass so that Django accepts it as a model constructor keyword."""

    def __init__(self, purpose: str, *, normalise=None):
        super().__init__()
        self.purpose = purpose
        self.normalise = normalise

    def __set_name__(self, owner, name):
        self.name = name
        self.cipher_field = f"{name}_cipher"
        self.index_field = f"{name}_index"
        self.cache = f"_{name}_clear"

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        token = getattr(instance, self.cipher_field)
        cached = instance.__dict__.get(self.cache)
        if cached is not None and cached[0] == token:  # refresh_from_db changes the token
            return cached[1]
        value = decrypt(token) if token else ""
        instance.__dict__[self.cache] = (token, value)
        return value

    def __set__(self, instance, value):
        value = self.normalise(value) if (self.normalise and value) else (value or "")
        token = encrypt(value) if value else ""
        instance.__dict__[self.cache] = (token, value)
        setattr(instance, self.cipher_field, token)
        setattr(instance, self.index_field, blind_index(value, purpose=self.purpose) if value else None)

    def index_of(self, value) -> str:
        """The index to filter on: ``Person.objects.filter(id_number_index=Person.id_number.index_of(x))``."""
        value = self.normalise(value) if self.normalise else value
        return blind_index(value, purpose=self.purpose)
