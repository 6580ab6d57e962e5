# Shared by the t07NN fault tests (sourced after lib.sh; bash): faults put
# into real components while a step runs.

# fault_tmpfs DIR SIZE: a tmpfs of SIZE mounted on DIR (which must exist and
# be empty) for the rest of the test; unmounted at exit.
fault_tmpfs() {
	mount -t tmpfs -o "size=$2,mode=0755" pvci-fault "$1" || return 1
	at_exit "umount '$1'"
}

# fault_fill DIR: fills the file system of DIR until not one byte more fits.
fault_fill() {
	dd if=/dev/zero of="$1/.fill" bs=64k status=none 2>/dev/null
	dd if=/dev/zero of="$1/.fill-tail" bs=1 status=none 2>/dev/null
	return 0
}

# fault_procs MARKER: the pids of processes whose command line holds MARKER
# (a string unique to the test), one a line; used to check that nothing a
# step started is left.
fault_procs() {
	local p
	for p in /proc/[0-9]*; do
		if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF -- "$1"; then
			echo "${p#/proc/}"
		fi
	done
	return 0
}

fault_skip_unless_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "1..0 # SKIP needs root (mounts a tmpfs)"
		exit 0
	fi
}

# fault_note FLIGHT JOB TESTID: the note of a step.
fault_note() {
	pvci job show "$1" "$2" --json | jq -r --arg t "$3" '.steps[] | select(.testid == $t) | .note // ""'
}
