#!/usr/bin/env bash
# Runs a command against a real, private Secret Service:
#
#   scripts/secret-service.sh go test ./backends/...
#
# It starts a private D-Bus session bus (dbus-run-session), starts
# gnome-keyring-daemon on it with a throw-away "login" collection that is
# created and unlocked with a fixed password, waits until the daemon owns
# org.freedesktop.secrets on the bus, and then runs the command with
# DBUS_SESSION_BUS_ADDRESS pointing at that bus and
# PRUSA_SECRET_SERVICE_TEST=1, which lets the tests write to it. The
# keyring files live in a temporary directory that is removed afterwards;
# the desktop's own keyring is never touched.
#
# Needs the Debian packages dbus (dbus-run-session, dbus-send) and
# gnome-keyring (secret-tool from libsecret-tools for the cross-check);
# never dbus-x11, whose autolaunch would start a bus per process.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 COMMAND [ARG...]" >&2
  exit 2
fi

if [ "${_PRUSA_SECRET_SERVICE_INNER:-}" != 1 ]; then
  for tool in dbus-run-session dbus-send gnome-keyring-daemon; do
    if ! command -v "$tool" >/dev/null; then
      echo "$0: $tool is missing (apt-get install dbus gnome-keyring)" >&2
      exit 1
    fi
  done
  export _PRUSA_SECRET_SERVICE_INNER=1
  exec dbus-run-session -- bash "$0" "$@"
fi
unset _PRUSA_SECRET_SERVICE_INNER

# Inside the private bus. The daemon gets its own data and runtime
# directories, so it neither reads the user's keyrings nor talks to a
# gnome-keyring-daemon that is already running for the desktop.
keyring_dir=$(mktemp -d)
daemon_pid=
cleanup() {
  # Stop the daemon this script started (it would also leave when the
  # bus goes away), then remove its files.
  if [ -n "$daemon_pid" ]; then
    kill "$daemon_pid" 2>/dev/null || true
  fi
  rm -rf "$keyring_dir"
}
trap cleanup EXIT
mkdir -m 0700 "$keyring_dir/data" "$keyring_dir/run"

# --unlock reads the password from stdin, creates the login collection
# when it does not exist and unlocks it; it forks the daemon and returns.
printf '%s' "prusa-test-keyring" |
  XDG_DATA_HOME="$keyring_dir/data" XDG_RUNTIME_DIR="$keyring_dir/run" \
    gnome-keyring-daemon --unlock --components=secrets >/dev/null

# Wait (at most 10 s) until the daemon owns its name on the bus.
owned() {
  dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus \
    /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner \
    string:org.freedesktop.secrets 2>/dev/null | grep -q true
}
for _ in $(seq 100); do
  owned && break
  sleep 0.1
done
if ! owned; then
  echo "$0: gnome-keyring-daemon did not take org.freedesktop.secrets on the bus" >&2
  exit 1
fi
daemon_pid=$(dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus \
  /org/freedesktop/DBus org.freedesktop.DBus.GetConnectionUnixProcessID \
  string:org.freedesktop.secrets | awk '{print $2}')

export PRUSA_SECRET_SERVICE_TEST=1
status=0
"$@" || status=$?
exit "$status"
