#!/usr/bin/env bash
# A guided tour for anyone without a Prusa account: starts a fake Prusa
# Account on 127.0.0.1 and walks through login with 2FA, configure git,
# a real `git credential fill`, docker, token, status, doctor, an expiry
# and the silent refresh, logout, and a login through the browser (curl
# plays the browser), all with the real binary in a throw-away home
# directory. Colour only when stdout is a terminal and NO_COLOR is unset.
#
#   scripts/demo.sh          # the tour; everything is removed at the end
#   scripts/demo.sh --keep   # leave the fake account (and the demo's home) for you to explore
set -euo pipefail
cd "$(dirname "$0")/.."

keep=
case ${1-} in
  '') ;;
  --keep) keep=1 ;;
  -h | --help) sed -n '2,10s/^# \{0,1\}//p' "$0"; exit 0 ;;
  *) echo "usage: scripts/demo.sh [--keep]" >&2; exit 2 ;;
esac

work=$(mktemp -d)
fake_pid=
finished=
cleanup() {
  if [ -n "$keep" ] && [ -n "$finished" ]; then
    return # the fake account and $work stay, as the last lines say
  fi
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

bold= plain=
if [ -t 1 ] && [ -z "${NO_COLOR-}" ]; then
  bold=$'\033[1m' plain=$'\033[0m'
fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
show() { printf '$ %s\n' "$*"; "$@"; }
# hide shortens the access token in what git and docker print.
hide() { sed -E -e 's/(password=.{12}).*/\1... (the access token)/' -e 's/("Secret":".{12})[^"]*/\1.../'; }

step "Build the helper (as scripts/install.sh does) and the fake Prusa Account"
export PATH="$work/bin:$PATH"
BINDIR="$work/bin" scripts/install.sh
# Built with install.sh's settings, so that it reuses that build's packages.
CGO_ENABLED=0 go build -trimpath -o "$work/fakeaccount" ./scripts/fakeaccount

# A private home and git config, so nothing of yours is touched.
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config"
export GIT_CONFIG_GLOBAL="$work/home/.gitconfig" GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
unset PRUSA_TOKEN PRUSA_TOKENS_JSON PRUSA_TOKENS_FILE PRUSA_CREDENTIAL_BACKEND PRUSA_MIN_TTL DOCKER_CONFIG
export PRUSA_NONINTERACTIVE=1
mkdir -p "$HOME"

# The README's fake account: 2FA by the fixed code, or by the TOTP seed.
email=maker@example.com password=demo code=123456 seed=JBSWY3DPEHPK3PXP
social=social@example.com # made with Google: no password
# With --keep it ignores SIGHUP, so that it outlives the tour even when
# the terminal that ran it goes away (script(1), an editor's terminal).
${keep:+nohup} "$work/fakeaccount" -email "$email" -password "$password" -otp-code "$code" -totp-secret "$seed" \
  -social-email "$social" -access-ttl 2h >"$work/fake.url" 2>"$work/fake.log" &
fake_pid=$!
for _ in $(seq 100); do [ -s "$work/fake.url" ] && break; sleep 0.05; done
export PRUSA_ACCOUNT_URL=$(head -1 "$work/fake.url")
echo "fake Prusa Account at $PRUSA_ACCOUNT_URL (account $email, password $password, 2FA code $code)"
# How many refresh requests reached the fake account (its /_fake/stats).
refreshes() { curl -fsS "$PRUSA_ACCOUNT_URL/_fake/stats" | grep -o '"token_refresh":[0-9]*' | cut -d: -f2; }
# fill asks git for credentials for Prusa Connect, as git clone or push
# would; showfill shows it, with the access token cut short.
fill() { printf 'protocol=https\nhost=connect.prusa3d.com\n' | git credential fill; }
showfill() {
  echo "\$ printf 'protocol=https\\nhost=connect.prusa3d.com\\n' | git credential fill"
  fill | hide
}

step "Log in: email, password and the 2FA code (here from the TOTP seed, as CI would)"
echo "(in a terminal, plain 'prusa-credential-helper login' asks for all three)"
PRUSA_EMAIL=$email PRUSA_PASSWORD=$password PRUSA_TOTP_SECRET=$seed show prusa-credential-helper login

step "Set git up for Prusa Connect (in this demo's own git config)"
show prusa-credential-helper configure git
echo '$ cat ~/.gitconfig'
cat "$GIT_CONFIG_GLOBAL"

step "git asks for credentials for connect.prusa3d.com"
showfill

step "docker asks too"
show prusa-credential-helper configure docker
echo connect.prusa3d.com | show docker-credential-prusa get | hide
echo

step "A shell script takes the token"
echo '$ curl -H "Authorization: Bearer $(prusa-credential-helper token)" ...'
tok=$(prusa-credential-helper token)
echo "token: ${tok:0:12}... (${#tok} characters)"

step "Where the session comes from and how long it lasts"
show prusa-credential-helper status

step "doctor checks the whole set-up"
show prusa-credential-helper doctor

step "Time passes: the access token is about to expire"
echo "(PRUSA_MIN_TTL=3h asks for more life than the 2 h token has, so it counts as stale now)"
echo "refresh requests so far: $(refreshes)"
PRUSA_MIN_TTL=3h fill >/dev/null
echo "refresh requests now:    $(refreshes)"
echo "git got a new token without a prompt; the rotated refresh token is saved:"
show prusa-credential-helper status

step "Log out"
show prusa-credential-helper logout
show prusa-credential-helper status || true

step "Log in through the browser: $social has no password (signed up with Google)"
# browse plays the user's browser with curl: it follows the fake account's
# redirects, clicks "Continue with Google", signs in on the provider's page
# (a stand-in the fake serves) and stops at the redirect to Prusa Connect's
# callback, whose address it prints: what the user copies from the address
# bar. It never fetches Prusa Connect.
browse() {
  local url=$1 jar=$work/cookies next
  while :; do
    case $url in
      "$PRUSA_ACCOUNT_URL"/login/\?*) # the login page's "Continue with Google" link
        next="$PRUSA_ACCOUNT_URL/login/social/google/?${url#*\?}" ;;
      "$PRUSA_ACCOUNT_URL"/_provider/google/*) # the provider's sign-in form
        next=$(curl -fsS -o /dev/null -w '%{redirect_url}' -b "$jar" -c "$jar" --data-urlencode "email=$social" "$url") ;;
      "$PRUSA_ACCOUNT_URL"/*)
        next=$(curl -fsS -o /dev/null -w '%{redirect_url}' -b "$jar" -c "$jar" "$url") ;;
      *) printf '%s\n' "$url"; return ;;
    esac
    url=$next
  done
}
if script -q -c true /dev/null </dev/null >/dev/null 2>&1; then
  # The helper reads the address from its terminal: script(1) gives it a
  # pseudo-terminal, fed from a FIFO that this script writes the paste to.
  echo '$ prusa-credential-helper login --web --no-browser'
  mkfifo "$work/tty.in"
  PRUSA_NONINTERACTIVE= script -q -e -c 'prusa-credential-helper login --web --no-browser' /dev/null \
    <"$work/tty.in" >"$work/tty.out" 2>&1 &
  login_pid=$!
  exec 3>"$work/tty.in"
  for _ in $(seq 200); do grep -q 'Address or code: ' "$work/tty.out" && break; sleep 0.05; done
  auth=$(grep -o 'http://[^[:space:]]*/o/authorize/?[^[:space:]]*' "$work/tty.out" | head -1)
  echo "(the browser signs in as $social through Google, then lands on Prusa Connect;"
  echo " its address, with the code, is pasted at the prompt)"
  printf '%s\n' "$(browse "$auth")" >&3
  wait "$login_pid"
  exec 3>&-
  tr -d '\r' <"$work/tty.out" | sed -E 's/(code=.{6})[^&[:space:]]*/\1.../'
  showfill
else
  echo "(skipped: needs script(1) from util-linux to give the helper a terminal)"
fi

step "Done: everything ran against the fake account on $PRUSA_ACCOUNT_URL"
finished=1
if [ -n "$keep" ]; then
  cat <<EOF

The fake account is still running (process $fake_pid). To use it from your shell:

  export PRUSA_ACCOUNT_URL=$PRUSA_ACCOUNT_URL

then log in as $email, password $password, 2FA code $code (in a
throw-away home, as the README's "Try it without an account" does).
Stop it and remove the demo's files with:

  kill $fake_pid; rm -rf $work
EOF
fi
