#!/usr/bin/python3
"""Test vectors for the filter's keystonemiddleware entry format (KeystonemiddlewareFormatTest).

Runs keystonemiddleware's own functions (Debian's python3-keystonemiddleware, on the
system Python: /usr/bin/python3) and prints JSON on stdout:

    /usr/bin/python3 make_vectors.py > vectors.json

- "keys": the memcached key auth_token uses for a token, per strategy and secret
  (TokenCache / SecureTokenCache._get_cache_key), and the MAC and AES keys derive_keys gives.
- "protected": protect_data's output for a plain text; ENCRYPT with a fixed IV (os.urandom
  patched), so that the Java side can produce the very same bytes.
- "entries": what SecureTokenCache.set / TokenCache.set hands to memcached for a Keystone
  body (captured with a stand-in for the memcached client pool), to be read by the filter.
The tokens and secrets are made up for the tests.
"""
import contextlib
import json
import logging

from keystonemiddleware.auth_token import _cache
from keystonemiddleware.auth_token import _memcache_crypt as crypt

LOG = logging.getLogger("vectors")
TOKENS = ["gAAAAABtest-token-one", "gAAAAABtest-token-two-" + "x" * 180]
SECRETS = ["secret", "another shared secret"]
FIXED_IV = bytes(range(16))
PLAIN = b'{"token": {"note": "a plain text to protect"}}'

BODY = {
    "token": {
        "methods": ["password"],
        "user": {"id": "u-123", "name": "demo",
                 "domain": {"id": "default", "name": "Default"},
                 "password_expires_at": None},
        "audit_ids": ["a1"],
        "expires_at": "2099-01-01T00:00:00.000000Z",
        "issued_at": "2026-01-01T00:00:00.000000Z",
        "project": {"id": "p-456", "name": "demo-project",
                    "domain": {"id": "default", "name": "Default"}},
        "is_domain": False,
        "roles": [{"id": "r1", "name": "member"}, {"id": "r2", "name": "reader"}],
        "is_admin_project": False,
    }
}


class CapturingPool:
    """Stands in for the memcached client pool: keeps what set() was given."""

    def __init__(self):
        self.stored = {}

    @contextlib.contextmanager
    def reserve(self):
        yield self

    def set(self, key, value, time=None):
        self.stored[key] = (value, time)

    def get(self, key):
        return self.stored.get(key, (None, None))[0]


def cache(strategy, secret):
    if strategy == "None":
        c = _cache.TokenCache(LOG, cache_time=300)
    else:
        c = _cache.SecureTokenCache(LOG, strategy, secret, cache_time=300)
    c._cache_pool = CapturingPool()
    c._initialized = True
    return c


def main():
    keys, protected, entries = [], [], []
    for token in TOKENS:
        keys.append({"strategy": "None", "secret": None, "token": token,
                     "key": cache("None", None)._get_cache_key(token)[0]})
        for strategy in ("MAC", "ENCRYPT"):
            for secret in SECRETS:
                derived = crypt.derive_keys(token, secret, strategy)
                keys.append({"strategy": strategy, "secret": secret, "token": token,
                             "key": cache(strategy, secret)._get_cache_key(token)[0],
                             "mac_key_hex": derived["MAC"].hex(),
                             "aes_key_hex": derived["ENCRYPTION"].hex()})
    real_urandom = crypt.os.urandom
    crypt.os.urandom = lambda n: FIXED_IV[:n]
    try:
        for strategy in ("MAC", "ENCRYPT"):
            for secret in SECRETS:
                derived = crypt.derive_keys(TOKENS[0], secret, strategy)
                value = crypt.protect_data(derived, PLAIN)
                assert crypt.unprotect_data(derived, value) == PLAIN
                protected.append({"strategy": strategy, "secret": secret, "token": TOKENS[0],
                                  "iv_hex": FIXED_IV.hex(), "plain": PLAIN.decode(),
                                  "stored": value.decode("ascii")})
    finally:
        crypt.os.urandom = real_urandom
    for strategy in ("None", "MAC", "ENCRYPT"):
        secret = None if strategy == "None" else SECRETS[0]
        c = cache(strategy, secret)
        c.set(TOKENS[0], BODY)
        (key, (value, ttl)), = c._cache_pool.stored.items()
        assert c.get(TOKENS[0]) == BODY
        entries.append({"strategy": strategy, "secret": secret, "token": TOKENS[0],
                        "key": key, "ttl": ttl, "stored": value.decode("utf-8")})
    print(json.dumps({"keys": keys, "protected": protected, "entries": entries,
                      "body": BODY}, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
