#!/usr/bin/env bash
# Installs what the tests need beside Node on Debian or Ubuntu (apt-get): 7-Zip and unzip to check archives,
# OpenSSH server and client for the SFTP tests, Chromium to draw the e-mail report, OpenSSL for the SMTP tests'
# certificates. Installs only what is missing; as a normal user it asks sudo. .ci/run calls it on a fresh machine.
#   npm run test:prepare          install what is missing
#   npm run test:prepare -- --list  print what is missing, install nothing
set -euo pipefail

need=()
command -v 7zz >/dev/null 2>&1 || command -v 7z >/dev/null 2>&1 || need+=(7zip)
command -v unzip >/dev/null 2>&1 || need+=(unzip)
# SFTP tests talk to a real OpenSSH server; its client runs the speed comparison.
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v sftp >/dev/null 2>&1 || need+=(openssh-client)
# The e-mail rendering test draws the HTML report with headless Chromium; the SMTP tests make certificates.
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v openssl >/dev/null 2>&1 || need+=(openssl)

if [ "${1:-}" = "--list" ]; then
  [ ${#need[@]} -eq 0 ] || printf '%s\n' "${need[@]}"
  exit 0
fi
if [ ${#need[@]} -eq 0 ]; then
  echo "Test prerequisites are installed."
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "Installing ${need[*]} needs root: run this as root (sudo is not installed)." >&2
    exit 1
  fi
  sudo=(sudo)
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "apt-get not found: install ${need[*]} with this system's package manager." >&2
  exit 1
fi

echo "Installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
