# Labdeck's own notification callback: one JSON object per line, written as each event happens, to
# the file named by $LABDECK_EVENTS. ansible-core ships no JSON-lines callback (ansible.posix's
# `jsonl` is not part of ansible-core), so Labdeck carries this small one. The stdout callback stays
# Ansible's default, so the human log (output.log) reads as usual.
#
# Each event is written with a single os.write() on an O_APPEND descriptor, so a reader following
# the file by byte offset never sees half an event from us (it may still read up to the middle of
# a line that is being written: it must only consume up to the last newline).
#
# Works with ansible-core 2.14 (Debian 12) and later (2.19 renamed result._result to result.result).
from __future__ import annotations

DOCUMENTATION = """
    name: labdeck_events
    type: notification
    short_description: Writes one JSON object per playbook event to $LABDECK_EVENTS
    description:
      - Playbook, play and task starts, every task result (per host and per loop item) and the final
        stats, as JSON lines, for Labdeck to follow while the run goes on.
      - Does nothing when LABDECK_EVENTS is not set.
    requirements:
      - enable it in ansible.cfg (callbacks_enabled = labdeck_events)
"""

import json
import math
import os
import time
from collections.abc import Mapping

from ansible import context
from ansible.plugins.callback import CallbackBase

try:
    from ansible.release import __version__ as ANSIBLE_VERSION
except ImportError:  # pragma: no cover
    ANSIBLE_VERSION = None

# Sizes (characters) kept of each field; longer text keeps its head and tail with a note between.
MSG_MAX = 2000
OUT_MAX = 8000
DIFF_MAX = 16000
EXC_MAX = 4000
WARN_MAX = 500
WARN_COUNT = 10

META_ACTIONS = frozenset(('meta', 'ansible.builtin.meta', 'ansible.legacy.meta'))


def _plain(value, depth=0):
    """Ansible's result values as plain JSON-able Python (str subclasses, tuples, sets, bytes…)."""
    if depth > 40:
        return '…'
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bytes):
        return value.decode('utf-8', 'replace')
    if isinstance(value, Mapping):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v, depth + 1) for v in value]
    return str(value)


def _cut(text, limit, keep_head=0.25):
    """Text of at most about `limit` characters: head and tail kept, the middle replaced by a note."""
    if text is None:
        return None
    if not isinstance(text, str):
        text = _as_text(text)
    if len(text) <= limit:
        return text
    head = int(limit * keep_head)
    tail = limit - head
    cut = len(text) - head - tail
    return '%s\n… [%d characters cut by Labdeck] …\n%s' % (text[:head], cut, text[-tail:])


def _as_text(value):
    if value is None:
        return ''
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bytes):
        return value.decode('utf-8', 'replace')
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return '\n'.join(value)
    return json.dumps(_plain(value), indent=4, sort_keys=True, ensure_ascii=False)


def _last_line(text):
    lines = [ln.strip() for ln in (text or '').splitlines() if ln.strip()]
    return lines[-1] if lines else ''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'notification'
    CALLBACK_NAME = 'labdeck_events'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None, options=None):
        super().__init__(display=display, options=options)
        self._path = os.environ.get('LABDECK_EVENTS') or None
        self._fd = None
        self._broken = False
        # (host name, task uuid) -> when the host started it / when its last loop item ended
        self._started = {}
        self._item_mark = {}
        self._task_started = {}
        # meta tasks (flush_handlers, end_play, …): Ansible announces some but reports no result
        # for them; they are plumbing, not work, so they are left out of the stream.
        self._hidden = set()

    # -- writing -------------------------------------------------------------------------------

    def _emit(self, event, **fields):
        if self._path is None or self._broken:
            return
        record = {'event': event, 't': round(time.time(), 3)}
        record.update(fields)
        try:
            line = json.dumps(_plain(record), ensure_ascii=True, separators=(',', ':'), allow_nan=False)
        except (TypeError, ValueError) as e:
            line = json.dumps({'event': event, 't': record['t'], 'error': 'unserializable event: %s' % e})
        data = (line + '\n').encode('ascii')
        try:
            if self._fd is None:
                self._fd = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            # One write per event: on a regular file opened O_APPEND this lands as one whole line.
            view = memoryview(data)
            while view:
                n = os.write(self._fd, view)
                view = view[n:]
        except OSError as e:
            self._broken = True
            self._display.warning('labdeck_events: cannot write %s: %s; no more events' % (self._path, e))

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _res(result):
        """The result dict (2.19+: result.result; earlier: result._result)."""
        r = getattr(result, 'result', None)
        if isinstance(r, Mapping):
            return r
        return getattr(result, '_result', None) or {}

    @staticmethod
    def _host_name(result):
        host = getattr(result, 'host', None) or getattr(result, '_host', None)
        return host.get_name() if host is not None else None

    @staticmethod
    def _task_of(result):
        return getattr(result, 'task', None) or getattr(result, '_task', None)

    @staticmethod
    def _role_name(task):
        role = getattr(task, '_role', None)
        if role is None:
            return None
        try:
            return role.get_name(include_role_fqcn=False)
        except TypeError:
            return role.get_name()

    @staticmethod
    def _action(task):
        return getattr(task, 'resolved_action', None) or getattr(task, 'action', None)

    def _task_name(self, task):
        name = (getattr(task, 'name', None) or '').strip()
        return name or (self._action(task) or 'task')

    def _duration(self, host, uuid, item):
        now = time.monotonic()
        key = (host, uuid)
        if item:
            start = self._item_mark.get(key) or self._started.get(key) or self._task_started.get(uuid, now)
            self._item_mark[key] = now
        else:
            start = self._started.pop(key, None) or self._task_started.get(uuid, now)
            self._item_mark.pop(key, None)
        return int(round((now - start) * 1000))

    def _diffs(self, res):
        raw = res.get('diff')
        if not raw:
            return None
        if not isinstance(raw, list):
            raw = [raw]
        out = []
        for d in raw:
            if not isinstance(d, Mapping):
                continue
            for flag, words in (('dst_binary', 'destination file appears to be binary'),
                                ('src_binary', 'source file appears to be binary'),
                                ('dst_larger', 'destination file is larger than %s bytes'),
                                ('src_larger', 'source file is larger than %s bytes')):
                if flag in d:
                    out.append({'note': 'diff skipped: ' + (words % d[flag] if '%s' in words else words)})
            if 'before' in d or 'after' in d:
                before = _as_text(d.get('before'))
                after = _as_text(d.get('after'))
                if isinstance(d.get('before'), Mapping):
                    before += '\n'
                if isinstance(d.get('after'), Mapping):
                    after += '\n'
                if before != after:
                    out.append({
                        'before_header': _as_text(d.get('before_header')) or None,
                        'after_header': _as_text(d.get('after_header')) or None,
                        'before': _cut(before, DIFF_MAX, 0.5),
                        'after': _cut(after, DIFF_MAX, 0.5),
                    })
            if d.get('prepared'):
                out.append({'prepared': _cut(_as_text(d['prepared']), DIFF_MAX, 0.5)})
        return out or None

    def _message(self, res, status):
        """The module's own words: never a traceback (that goes to `exception`)."""
        msg = res.get('msg')
        if msg is None and res.get('censored'):
            msg = res.get('censored')
        if msg is None and status == 'skipped':
            msg = res.get('skip_reason')
        msg = _as_text(msg) if msg is not None else ''
        exception = res.get('exception')
        exception = _as_text(exception) if exception else ''
        if 'Traceback (most recent call last)' in msg:
            exception = exception or msg
            msg = _last_line(msg)
        if status == 'failed':
            module_stderr = _as_text(res.get('module_stderr'))
            if msg.startswith('MODULE FAILURE') or (not msg and module_stderr):
                exception = exception or module_stderr
                detail = _last_line(module_stderr) or _last_line(_as_text(res.get('module_stdout')))
                msg = ('Module failure: %s' % detail) if detail else (msg.splitlines()[0] if msg else 'Module failure')
            stderr = _as_text(res.get('stderr'))
            if msg in ('', 'non-zero return code') and stderr.strip():
                tail = ' / '.join(ln for ln in stderr.strip().splitlines()[-3:] if ln.strip())
                msg = 'non-zero return code %s: %s' % (res.get('rc', '?'), tail)
            if not msg:
                msg = 'failed' if res.get('rc') is None else 'failed with return code %s' % res.get('rc')
        return _cut(msg, MSG_MAX) if msg else None, (_cut(exception, EXC_MAX, 0.1) if exception else None)

    def _result_event(self, result, status, item=False, ignored=False):
        res = self._res(result)
        task = self._task_of(result)
        host = self._host_name(result)
        uuid = getattr(task, '_uuid', None)
        if uuid in self._hidden or self._action(task) in META_ACTIONS:
            return
        msg, exception = self._message(res, status)
        fields = {
            'id': uuid,
            'host': host,
            'status': status,
            'duration_ms': self._duration(host, uuid, item),
            'msg': msg,
            'diff': self._diffs(res),
            'ignored': bool(ignored),
        }
        if item:
            fields['item'] = _plain(self._get_item_label(res))
        for key in ('stdout', 'stderr'):
            value = res.get(key)
            if isinstance(value, str) and value:
                fields[key] = _cut(value, OUT_MAX)
        if 'rc' in res and isinstance(res.get('rc'), int):
            fields['rc'] = res['rc']
        if exception:
            fields['exception'] = exception
        warnings = res.get('warnings')
        if warnings:
            fields['warnings'] = [_cut(_as_text(w), WARN_MAX) for w in list(warnings)[:WARN_COUNT]]
        if res.get('censored'):
            fields['censored'] = True
        self._emit('task_result', **fields)

    # -- playbook, plays, tasks ----------------------------------------------------------------

    def v2_playbook_on_start(self, playbook):
        args = getattr(context, 'CLIARGS', {}) or {}
        self._emit(
            'playbook_start',
            playbook=os.path.basename(getattr(playbook, '_file_name', '') or ''),
            check=bool(args.get('check', False)),
            diff=bool(args.get('diff', False)),
            ansible_version=ANSIBLE_VERSION,
        )

    def v2_playbook_on_play_start(self, play):
        self._emit('play_start', play=(play.get_name() or '').strip())

    def _on_task_start(self, task, handler):
        uuid = getattr(task, '_uuid', None)
        if self._action(task) in META_ACTIONS:
            self._hidden.add(uuid)
            return
        self._task_started[uuid] = time.monotonic()
        self._emit(
            'task_start',
            id=uuid,
            task=self._task_name(task),
            role=self._role_name(task),
            action=self._action(task),
            handler=handler,
        )

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._on_task_start(task, False)

    def v2_playbook_on_handler_task_start(self, task):
        self._on_task_start(task, True)

    def v2_runner_on_start(self, host, task):
        self._started[(host.get_name(), getattr(task, '_uuid', None))] = time.monotonic()

    # -- results -------------------------------------------------------------------------------

    def v2_runner_on_ok(self, result):
        self._result_event(result, 'changed' if self._res(result).get('changed') else 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result_event(result, 'failed', ignored=ignore_errors)

    def v2_runner_on_skipped(self, result):
        self._result_event(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._result_event(result, 'unreachable')

    def v2_runner_item_on_ok(self, result):
        self._result_event(result, 'changed' if self._res(result).get('changed') else 'ok', item=True)

    def v2_runner_item_on_failed(self, result):
        self._result_event(result, 'failed', item=True)

    def v2_runner_item_on_skipped(self, result):
        self._result_event(result, 'skipped', item=True)

    # -- the end -------------------------------------------------------------------------------

    def v2_playbook_on_stats(self, stats):
        hosts = {}
        for host in sorted(stats.processed.keys()):
            s = stats.summarize(host)
            hosts[host] = {
                'ok': s.get('ok', 0),
                'changed': s.get('changed', 0),
                'failed': s.get('failures', 0),
                'skipped': s.get('skipped', 0),
                'unreachable': s.get('unreachable', 0),
                'rescued': s.get('rescued', 0),
                'ignored': s.get('ignored', 0),
            }
        self._emit('stats', hosts=hosts)
        self._emit('playbook_end')
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass
            self._fd = None
