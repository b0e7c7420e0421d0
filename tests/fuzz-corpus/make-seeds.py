#!/usr/bin/python3
# make-seeds.py: writes the seed corpus of tests/fuzz-protocol.c into this
# directory (needs PyGObject: /usr/bin/python3 with python3-gi). Each seed is
# a byte stream a worker could write: frames of a 4-byte little-endian
# length and a GVariant payload.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
import os
import struct

import gi
gi.require_version('GLib', '2.0')
from gi.repository import GLib  # noqa: E402

V = GLib.Variant


def payload(v):
    return bytes(v.get_normal_form().get_data_as_bytes().get_data())


def frame(b):
    return struct.pack('<I', len(b)) + b


def reply(id, ok, value=None, domain='', code=0, message='', trace=''):
    return V('(tbmvsiss)', (id, ok, value, domain, code, message, trace))


def main():
    seeds = {
        'ok-int64': frame(payload(reply(1, True, V('x', -42)))),
        'ok-nothing': frame(payload(reply(1, True, None))),
        'ok-string': frame(payload(reply(1, True, V('s', 'héllo wörld')))),
        'ok-double': frame(payload(reply(1, True, V('d', 3.25)))),
        'ok-bool': frame(payload(reply(1, True, V('b', True)))),
        'ok-uint32': frame(payload(reply(1, True, V('u', 4242)))),
        'ok-empty-tuple': frame(payload(reply(1, True, V('()', ())))),
        'ok-bytes': frame(payload(reply(1, True, V('ay', bytes(range(64)))))),
        'ok-vardict': frame(payload(reply(1, True, V('a{sv}', {
            'a': V('i', 1), 'b': V('as', ['x', 'y']), 'c': V('v', V('d', 1.5))})))),
        'ok-nested': frame(payload(reply(1, True, V('(xb(sd)a(ii)mv)', (
            7, False, ('k', 0.5), [(1, 2), (3, 4)], V('s', 'in')))))),
        'ok-objpath-sig': frame(payload(reply(1, True, V('(og)', ('/org/x', 'a{sv}'))))),
        'ok-maybe-array': frame(payload(reply(1, True, V('amx', [1, None, 3])))),
        'error-gio': frame(payload(reply(1, False, None, 'g-io-error-quark', 1, 'No such file'))),
        'error-trace': frame(payload(reply(1, False, None, 'my-app-error-quark', -5, 'boom',
                                           'Traceback:\n  at f()\n'))),
        'error-bad-domain': frame(payload(reply(1, False, None, 'not a domain!', 1, 'x'))),
        'error-empty-domain': frame(payload(reply(1, False, None, '', 1, 'x'))),
        'ok-trace': frame(payload(reply(1, True, V('i', 1), '', 0, '', 'trace on success'))),
        'wrong-id': frame(payload(reply(7, True, V('i', 1)))),
        'two-frames': frame(payload(reply(1, True, V('x', 1)))) +
        frame(payload(reply(2, False, None, 'g-io-error-quark', 2, 'exists'))),
        'three-frames': b''.join(frame(payload(reply(i, True, V('s', 'r%d' % i)))) for i in (1, 2, 3)),
        'second-wrong-id': frame(payload(reply(1, True, V('x', 1)))) * 2,
        'request': frame(payload(V('(tsv)', (1, 'square', V('(x)', (3,)))))),
        'length-zero': struct.pack('<I', 0),
        'length-huge': struct.pack('<I', 0xffffffff),
        'length-over-limit': struct.pack('<I', 64 * 1024 * 1024 + 1),
        'length-at-limit-short': struct.pack('<I', 64 * 1024 * 1024) + b'\0' * 16,
        'header-short': b'\x10\x00',
    }
    full = payload(reply(1, True, V('a{sv}', {'k': V('s', 'value')})))
    seeds['truncated-payload'] = frame(full)[:len(full) // 2 + 4]
    seeds['truncated-second'] = frame(payload(reply(1, True, V('x', 1)))) + frame(full)[:9]
    bad = bytearray(payload(reply(1, True, None)))
    bad[8] = 2  # the boolean
    seeds['not-normal-bool'] = frame(bytes(bad))
    s = bytearray(payload(reply(1, True, V('s', 'abc'))))
    s[s.find(b'abc')] = 0xff  # invalid UTF-8
    seeds['invalid-utf8'] = frame(bytes(s))
    seeds['random'] = frame(bytes((i * 37 + 11) & 0xff for i in range(48)))

    here = os.path.dirname(os.path.abspath(__file__))
    for name, data in seeds.items():
        with open(os.path.join(here, name), 'wb') as f:
            f.write(data)
    print(f'{len(seeds)} seeds in {here}')


if __name__ == '__main__':
    main()
