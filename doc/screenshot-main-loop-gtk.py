#!/usr/bin/env python3
# screenshot-main-loop-gtk.py: takes doc/main-loop-gtk.png, the picture of
# examples/guide/main-loop-gtk.py in the guide and the README, from a
# virtual X server's framebuffer once the run has finished.
#
#   meson devenv -C build python3 doc/screenshot-main-loop-gtk.py [OUT.png]
#
# Needs xvfb-run (Debian: xvfb) and GTK 4's typelib (gir1.2-gtk-4.0).
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import struct
import subprocess
import sys
import tempfile
import time

import gi

gi.require_version("GdkPixbuf", "2.0")
gi.require_version("GLib", "2.0")
from gi.repository import GdkPixbuf, GLib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, os.pardir, "examples", "guide", "main-loop-gtk.py")
WIDTH, HEIGHT = 520, 340


def xwd_to_png(xwd, png):
    """Xvfb's framebuffer (XWD, 24 bits in 32) as a PNG."""
    with open(xwd, "rb") as f:
        data = f.read()
    fields = struct.unpack(">25I", data[:100])
    header_size, byte_order, line, ncolors = fields[0], fields[7], fields[12], fields[19]
    width, height = fields[4], fields[5]
    pixels = data[header_size + ncolors * 12:]
    order = "<" if byte_order == 0 else ">"
    rgb = bytearray()
    for y in range(height):
        row = pixels[y * line:y * line + width * 4]
        for (value,) in struct.iter_unpack(order + "I", row):
            rgb += bytes(((value >> 16) & 255, (value >> 8) & 255, value & 255))
    pixbuf = GdkPixbuf.Pixbuf.new_from_bytes(GLib.Bytes.new(bytes(rgb)),
                                             GdkPixbuf.Colorspace.RGB, False, 8,
                                             width, height, width * 3)
    pixbuf.savev(png, "png", [], [])


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "main-loop-gtk.png")
    env = dict(os.environ, GTK_A11Y="none", GSK_RENDERER="cairo", GDK_BACKEND="x11")
    with tempfile.TemporaryDirectory() as fbdir:
        screen = "-screen 0 %dx%dx24 -fbdir %s" % (WIDTH, HEIGHT, fbdir)
        proc = subprocess.Popen(["xvfb-run", "-a", "-s", screen, sys.executable, EXAMPLE],
                                stdout=subprocess.PIPE, text=True, env=env,
                                start_new_session=True)
        try:
            for line in proc.stdout:
                if line.startswith("package:"):       # the last line of the summary
                    break
            time.sleep(1)                             # the last frame drawn
            xwd_to_png(os.path.join(fbdir, "Xvfb_screen0"), out)
        finally:
            os.killpg(proc.pid, 15)
            proc.wait()
    print(out)


if __name__ == "__main__":
    main()
