# Filters for site.yml: the content of /etc/labdeck/bootstrap.json, which the app reads to show
# "bootstrapped: base, docker, … — 3 days ago".
#
# The record only changes when something that matters changes (a role applied for the first time,
# or a role whose files changed), so a re-run of the same roles leaves the file untouched and
# reports changed=0. Runs on the controller, which with `-c local` is the host itself.
from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os

RECORD_FORMAT = 1


def labdeck_role_version(role_dir):
    """A short hash of every file of a role (relative path and content), stable across hosts."""
    digest = hashlib.sha256()
    for root, dirs, files in os.walk(role_dir):
        dirs[:] = sorted(d for d in dirs if d != '__pycache__')
        for name in sorted(files):
            if name.endswith('.pyc'):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, role_dir).replace(os.sep, '/')
            digest.update(rel.encode('utf-8') + b'\0')
            with open(path, 'rb') as f:
                digest.update(hashlib.sha256(f.read()).digest())
    return digest.hexdigest()[:16]


def _previous(content):
    """The earlier record: slurp's base64 content, a JSON string or a dict; {} when none or unreadable."""
    if not content:
        return {}
    if isinstance(content, dict):
        return content
    try:
        text = base64.b64decode(content).decode('utf-8')
    except (ValueError, UnicodeDecodeError):
        text = content
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def labdeck_bootstrap_record(previous, applied, order, roles_dir, now=None):
    """The new record: roles applied now or before (in Labdeck's order), each role's version, and
    when each role was last applied with different content (kept as it was otherwise)."""
    prev = _previous(previous)
    prev_roles = [r for r in prev.get('roles', []) if isinstance(r, str)]
    prev_versions = prev.get('role_versions') if isinstance(prev.get('role_versions'), dict) else {}
    prev_applied = prev.get('applied_at') if isinstance(prev.get('applied_at'), dict) else {}
    stamp = now or datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
    applied = [r for r in order if r in applied]
    known = [r for r in order if r in applied or r in prev_roles]
    known += [r for r in prev_roles if r not in known]
    versions, applied_at = {}, {}
    for role in known:
        if role in applied:
            version = labdeck_role_version(os.path.join(roles_dir, role))
            versions[role] = version
            same = prev_versions.get(role) == version and role in prev_applied
            applied_at[role] = prev_applied[role] if same else stamp
        else:
            if role in prev_versions:
                versions[role] = prev_versions[role]
            if role in prev_applied:
                applied_at[role] = prev_applied[role]
    return {
        'format': RECORD_FORMAT,
        'managed_by': 'Labdeck',
        'roles': known,
        'role_versions': versions,
        'applied_at': applied_at,
    }


class FilterModule:
    def filters(self):
        return {
            'labdeck_bootstrap_record': labdeck_bootstrap_record,
            'labdeck_role_version': labdeck_role_version,
        }
