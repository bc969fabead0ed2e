#!/bin/bash
# THE harness's stand-in for mongod (no MongoDB program can be installed here). It does only what
# mongod does with its keyfile before it serves (src/mongo/db/auth/security_file.cpp: the file must be
# X00 — no group or other bits — then 6 to 1024 base64 characters), logs as mongod would, and then
# waits without serving anything: no storage, replication, authentication or wire protocol.
set -euo pipefail
[ "${1:-}" = --config ] || { echo "mongod stub: only --config <file> is supported" >&2; exit 2; }
keyfile="$(sed -n 's/^ *keyFile: *//p' "$2")"
[ -n "$keyfile" ] || { echo "mongod stub: no security.keyFile in $2" >&2; exit 2; }
if ! mode="$(stat -c '%a' "$keyfile" 2>/dev/null)"; then echo "Error reading file $keyfile: No such file or directory" >&2; exit 1; fi
if [ $(( 8#$mode & 8#077 )) -ne 0 ]; then echo "permissions on $keyfile are too open" >&2; exit 1; fi
key="$(tr -d ' \t\n\r\f\v' < "$keyfile")" || { echo "error opening file: $keyfile" >&2; exit 1; }
if [ "${#key}" -lt 6 ] || [ "${#key}" -gt 1024 ] || [[ "$key" =~ [^A-Za-z0-9+/=] ]]; then echo "invalid key file $keyfile" >&2; exit 1; fi
echo '{"msg":"mongod stub: keyfile accepted; waiting (serves nothing)"}'
exec sleep infinity
