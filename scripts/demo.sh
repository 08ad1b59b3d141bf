#!/usr/bin/env bash
# A guided tour for anyone without a Prusa account: starts a fake Prusa
# Account on 127.0.0.1 and walks through login with 2FA, get over git and
# docker, token, an expiry and the silent refresh, status and logout, all
# with the real binary in a throw-away home directory.
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
"$work/fakeaccount" -email "$email" -password "$password" -totp-secret "$seed" \
  -access-ttl 2h >"$work/fake.url" 2>"$work/fake.log" &
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

step "Done: everything ran against the fake account on $PRUSA_ACCOUNT_URL"
