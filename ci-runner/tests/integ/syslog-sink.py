#!/usr/bin/python3
# A syslog receiver for the tests: binds the datagram socket given as
# argv[1] and appends each message, a line each, to argv[2].
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as out:
    print("ready", file=out, flush=True)
    while True:
        print(s.recv(65536).decode(errors="replace"), file=out, flush=True)
