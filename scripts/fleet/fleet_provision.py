#!/usr/bin/python3
"""Provisions a fleet's worth of users and projects in a test Keystone, idempotently.

Creates (when missing) PROJECTS projects fleet-p000.. and USERS users
fleet-u0000.. in domain Default. The users have no password (so creating
them costs no bcrypt; nobody logs in as them: their tokens are minted by
mint_tokens.py). User i gets one role on project i mod PROJECTS, chosen in
turn from reader, member (which implies reader), fleet-ops and fleet-audit,
so that identities differ in user, project and roles. Role assignments go
through the API (PUT /v3/projects/P/users/U/roles/R).

Writes "user_id project_id" lines, one per user, to --pairs.

usage: fleet_provision.py --url http://127.0.0.1:PORT/v3 --env STATE/keystone.env
                          --pairs FILE [--users N] [--projects N] [--threads T]
"""
import argparse
import concurrent.futures
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "keystone"))
import kshelper  # noqa: E402  (the fixture's stdlib-only client)

ROLES = ("reader", "member", "fleet-ops", "fleet-audit")


def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            if "=" in line and not line.startswith("#"):
                k, v = line.rstrip("\n").split("=", 1)
                env[k] = v
    return env


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--env", required=True)
    p.add_argument("--pairs", required=True)
    p.add_argument("--users", type=int, default=1500)
    p.add_argument("--projects", type=int, default=100)
    p.add_argument("--threads", type=int, default=4)
    a = p.parse_args()
    if not (1 <= a.projects <= 1000 and 1 <= a.users <= 10000 and 1 <= a.threads <= 16):
        sys.exit("--users 1..10000, --projects 1..1000, --threads 1..16")
    env = read_env(a.env)
    base = a.url.rstrip("/")
    t0 = time.monotonic()
    token, _ = kshelper.issue_token(base, env["KEYSTONE_ADMIN_USER"],
                                    env["KEYSTONE_ADMIN_PASSWORD"], env["KEYSTONE_ADMIN_PROJECT"])
    ad = kshelper.Admin(base, token)
    role_ids = {r: ad.ensure_role(r) for r in ROLES}

    projects = {p["name"]: p["id"] for p in ad.get("/projects?domain_id=default")["projects"]}
    users = {u["name"]: u["id"] for u in ad.get("/users?domain_id=default")["users"]}
    created = {"projects": 0, "users": 0, "assignments": 0}

    def project(i):
        name = "fleet-p%03d" % i
        if name not in projects:
            projects[name] = ad.post("/projects", {"project": {
                "name": name, "domain_id": "default", "enabled": True,
                "description": "fleet benchmark"}})["project"]["id"]
            created["projects"] += 1

    def user(i):
        name = "fleet-u%04d" % i
        if name not in users:
            users[name] = ad.post("/users", {"user": {
                "name": name, "domain_id": "default", "enabled": True}})["user"]["id"]
            created["users"] += 1

    with concurrent.futures.ThreadPoolExecutor(a.threads) as ex:
        list(ex.map(project, range(a.projects)))
        list(ex.map(user, range(a.users)))

    assigned = set()
    for ra in ad.get("/role_assignments")["role_assignments"]:
        if "user" in ra and "project" in ra.get("scope", {}):
            assigned.add((ra["user"]["id"], ra["scope"]["project"]["id"], ra["role"]["id"]))

    pairs = []

    def assign(i):
        uid = users["fleet-u%04d" % i]
        pid = projects["fleet-p%03d" % (i % a.projects)]
        rid = role_ids[ROLES[i % len(ROLES)]]
        if (uid, pid, rid) not in assigned:
            ad.put("/projects/%s/users/%s/roles/%s" % (pid, uid, rid))
            created["assignments"] += 1
        return uid, pid

    with concurrent.futures.ThreadPoolExecutor(a.threads) as ex:
        pairs = list(ex.map(assign, range(a.users)))
    with open(a.pairs, "w") as f:
        for uid, pid in pairs:
            f.write("%s %s\n" % (uid, pid))
    print("fleet provisioned: %d users over %d projects (created %d users, %d projects, "
          "%d role assignments) in %.1f s" % (a.users, a.projects, created["users"],
                                              created["projects"], created["assignments"],
                                              time.monotonic() - t0))


if __name__ == "__main__":
    main()
