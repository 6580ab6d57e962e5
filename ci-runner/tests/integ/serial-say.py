#!/usr/bin/env python3
"""Writes raw bytes to a serial device and waits for an answer line.

    serial-say.py PATH SECONDS REGEX < BYTES

For what pvci's own host code never sends (malformed and oversized
request frames): writes standard input to PATH, then reads lines until one
matches REGEX (printed, exit 0) or SECONDS pass (the lines seen go to
standard error, exit 1).
"""
import os
import re
import select
import sys
import time
import tty


def main():
    path, seconds, pattern = sys.argv[1], float(sys.argv[2]), re.compile(sys.argv[3])
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    data = sys.stdin.buffer.read()
    while data:
        data = data[os.write(fd, data):]
    deadline = time.monotonic() + seconds
    buf, seen = b"", []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], max(0, deadline - time.monotonic()))
        if not ready:
            break
        buf += os.read(fd, 65536)
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            text = line.decode("ascii", "replace").rstrip("\r")
            if pattern.search(text):
                print(text)
                return 0
            seen.append(text)
    sys.stderr.write("no line matching %r within %s s; saw:\n%s\n"
                     % (sys.argv[3], sys.argv[2], "\n".join(seen)))
    return 1


if __name__ == "__main__":
    sys.exit(main())
