#!/usr/bin/env python3
"""A null-modem cable between two ptys, for the agent tests under Wine.

    ptypair.py HOST-LINK GUEST-LINK

Makes two ptys, links HOST-LINK and GUEST-LINK to their terminals (pvci
opens the first, Wine's COM port the second) and copies bytes between them
until killed. It keeps both terminals open itself, so either side may close
and open its end again (an agent restarting) without the cable breaking,
which socat's pty address does not allow. The links appear last, so a
test waits for them as the sign it is ready.
"""
import os
import select
import sys
import tty


def main():
    host_link, guest_link = sys.argv[1], sys.argv[2]
    pairs = []
    for _ in range(2):
        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        pairs.append((master, slave, os.ttyname(slave)))
    os.symlink(pairs[0][2], host_link)
    os.symlink(pairs[1][2], guest_link)
    a, b = pairs[0][0], pairs[1][0]
    peer = {a: b, b: a}
    while True:
        ready, _, _ = select.select([a, b], [], [])
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except (BlockingIOError, OSError):
                continue
            view = memoryview(data)
            while view:
                try:
                    n = os.write(peer[fd], view)
                    view = view[n:]
                except BlockingIOError:
                    select.select([], [peer[fd]], [], 1)


if __name__ == "__main__":
    main()
