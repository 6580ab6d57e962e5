#!/bin/bash
# make install puts the systemd unit where systemd looks, running the
# installed binary, with KillMode=process so workers outlive a restart.
. "$(dirname "$0")/lib.sh"
plan 5
dest="$TEST_DIR/dest"
check "make install succeeds" make -s -C "$PVCI_SRCDIR" install DESTDIR="$dest" PREFIX=/usr
unit="$dest/usr/lib/systemd/system/pvci.service"
is "the unit is installed, mode 0644" "$(stat -c %a "$unit" 2>&1)" 644
is "it starts the installed binary's daemon" "$(grep '^ExecStart=' "$unit")" \
	"ExecStart=/usr/bin/pvci daemon"
is "only the daemon is signalled on stop and restart" "$(grep '^KillMode=' "$unit")" \
	"KillMode=process"
check "the binary it names is installed" test -x "$dest/usr/bin/pvci"
