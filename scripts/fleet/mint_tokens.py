#!/usr/bin/python3
"""Mints project-scoped Fernet tokens offline with Keystone's own code.

Reads the Keystone state directory's keystone.conf (for its fernet key
repository), and a file of "user_id project_id" lines (fleet_provision.py
writes it), and writes COUNT tokens, one a line, to OUT: token i is for pair
i mod len(pairs), with its own random audit id, so every token is distinct.
They are the tokens Keystone itself would issue after a password login
(method "password", project scope, the given expiry), packed by
keystone.token.token_formatters.TokenFormatter with the repository's primary
key: Keystone validates them as its own (it checks the user, the project and
the role assignments at validation time, as for any token).

usage: mint_tokens.py --conf STATE/keystone.conf --pairs PAIRS --count N
                      --out FILE [--ttl SECONDS]

Prints one line: "minted N tokens in S s (U us per token)". The tokens are
written to OUT only (mode 0600), never printed.
"""
import argparse
import datetime
import os
import sys
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--conf", required=True)
    p.add_argument("--pairs", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--ttl", type=int, default=7200)
    a = p.parse_args()
    if a.count < 1:
        sys.exit("--count must be positive (got %d)" % a.count)

    import keystone.conf
    from cryptography import fernet
    from keystone.common import fernet_utils
    from keystone.common import utils as ks_utils
    from keystone.token import provider
    from keystone.token import token_formatters as tf

    conf = keystone.conf.CONF
    keystone.conf.configure(conf)
    conf(args=[], project="keystone", default_config_files=[a.conf])

    pairs = []
    with open(a.pairs) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2:
                pairs.append((parts[0], parts[1]))
    if not pairs:
        sys.exit("no 'user_id project_id' lines in %s" % a.pairs)

    keys = fernet_utils.FernetUtils(conf.fernet_tokens.key_repository,
                                    conf.fernet_tokens.max_active_keys,
                                    "fernet_tokens").load_keys()
    if not keys:
        sys.exit("no fernet keys in %s" % conf.fernet_tokens.key_repository)
    crypto = fernet.MultiFernet([fernet.Fernet(k) for k in keys])

    class Formatter(tf.TokenFormatter):
        # TokenFormatter re-reads the key repository for every token; read it once.
        @property
        def crypto(self):
            return crypto

    fmt = Formatter()
    expires = datetime.datetime.utcnow() + datetime.timedelta(seconds=a.ttl)
    expires_at = ks_utils.isotime(expires, subsecond=True)
    t0 = time.monotonic()
    fd = os.open(a.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        for i in range(a.count):
            user_id, project_id = pairs[i % len(pairs)]
            token = fmt.create_token(user_id, expires_at, [provider.random_urlsafe_str()],
                                     tf.ProjectScopedPayload, methods=["password"],
                                     project_id=project_id)
            out.write(token)
            out.write("\n")
    secs = time.monotonic() - t0
    print("minted %d tokens in %.1f s (%.0f us per token)" % (a.count, secs, secs / a.count * 1e6))


if __name__ == "__main__":
    main()
