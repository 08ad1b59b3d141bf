#!/usr/bin/env bash
# A guided tour for anyone without a Prusa account: starts a fake Prusa
# Account on 127.0.0.1 and walks through login with 2FA, get over git and
# docker, token, an expiry and the silent refresh, status and logout, and
# a login through the browser (curl plays the browser), all with the real
# binary in a throw-away home directory.
#
#   scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
fake_pid=
cleanup() {
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

step "Build the helper (as scripts/install.sh does) and the fake Prusa Account"
export PATH="$work/bin:$PATH"
BINDIR="$work/bin" scripts/install.sh
go build -o "$work/fakeaccount" ./scripts/fakeaccount

# A private home, so nothing of yours is touched.
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config"
unset PRUSA_TOKEN PRUSA_TOKENS_JSON PRUSA_TOKENS_FILE PRUSA_CREDENTIAL_BACKEND PRUSA_MIN_TTL
export PRUSA_NONINTERACTIVE=1

email=maker@example.com password='correct horse battery staple' seed=JBSWY3DPEHPK3PXP
social=social@example.com # made with Google: no password
"$work/fakeaccount" -email "$email" -password "$password" -totp-secret "$seed" \
  -social-email "$social" -access-ttl 2h >"$work/fake.url" 2>"$work/fake.log" &
fake_pid=$!
for _ in $(seq 100); do [ -s "$work/fake.url" ] && break; sleep 0.05; done
export PRUSA_ACCOUNT_URL=$(head -1 "$work/fake.url")
echo "fake Prusa Account at $PRUSA_ACCOUNT_URL (account $email, with 2FA)"
# How many refresh requests reached the fake account (its /_fake/stats).
refreshes() { curl -fsS "$PRUSA_ACCOUNT_URL/_fake/stats" | grep -o '"token_refresh":[0-9]*' | cut -d: -f2; }

step "Log in: email, password and the 2FA code (here from the TOTP seed, as CI would)"
echo "(in a terminal, plain 'prusa-credential-helper login' asks for all three)"
PRUSA_EMAIL=$email PRUSA_PASSWORD=$password PRUSA_TOTP_SECRET=$seed show prusa-credential-helper login

step "git asks for credentials for connect.prusa3d.com"
printf 'protocol=https\nhost=connect.prusa3d.com\n\n' | show git-credential-prusa get | sed -E 's/(password=.{12}).*/\1... (the access token)/'

step "docker asks too"
echo connect.prusa3d.com | show docker-credential-prusa get | sed -E 's/("Secret":".{12})[^"]*/\1.../'
echo

step "A shell script takes the token"
echo '$ curl -H "Authorization: Bearer $(prusa-credential-helper token)" ...'
tok=$(prusa-credential-helper token)
echo "token: ${tok:0:12}... (${#tok} characters)"

step "Where the session comes from and how long it lasts"
show prusa-credential-helper status

step "Time passes: the access token is about to expire"
echo "(PRUSA_MIN_TTL=3h asks for more life than the 2 h token has, so it counts as stale now)"
echo "refresh requests so far: $(refreshes)"
printf 'protocol=https\nhost=connect.prusa3d.com\n\n' | PRUSA_MIN_TTL=3h git-credential-prusa get >/dev/null
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
  printf 'protocol=https\nhost=connect.prusa3d.com\n\n' | show git-credential-prusa get | sed -E 's/(password=.{12}).*/\1... (the access token)/'
else
  echo "(skipped: needs script(1) from util-linux to give the helper a terminal)"
fi

step "Done: everything ran against the fake account on $PRUSA_ACCOUNT_URL"
