#!/usr/bin/env bash
# Branch arguments on the command line: --help documents KIND:seed=N, and a bad argument or value
# is refused with exit 2 and a message naming it, before anything is written.
set -euo pipefail
: "${AL_CLI:?}" "${AL_TMP:?}"
rm -rf "$AL_TMP"; mkdir -p "$AL_TMP"
fail() { echo "FAIL: $*" >&2; exit 1; }

"$AL_CLI" lottery --help > "$AL_TMP/help.txt" || fail "--help exit status"
grep -qF 'KIND:seed=N@L' "$AL_TMP/help.txt" || fail "--help does not document KIND:seed=N@L"

# spec, then the texts its message must hold
refused() {
  local spec=$1; shift
  local rc=0
  "$AL_CLI" lottery --train "$AL_TMP/none" --out "$AL_TMP/run" --branch "$spec" 2> "$AL_TMP/err.txt" || rc=$?
  [[ $rc -eq 2 ]] || fail "--branch $spec: exit $rc, want 2: $(cat "$AL_TMP/err.txt")"
  for needle in "$@"; do
    grep -qF -- "$needle" "$AL_TMP/err.txt" || fail "--branch $spec: message lacks '$needle': $(cat "$AL_TMP/err.txt")"
  done
}
refused random-prune:sed=7 "--branch random-prune:sed=7" "unknown argument 'sed'" "random-prune takes seed"
refused random-reinit:seed=x "--branch random-reinit:seed=x" "seed takes an integer" "got 'x'"
refused finetune:seed=1@2 "finetune takes no arguments"
refused random-prune:seed=7,seed=8@2 "seed given twice"
[[ ! -e $AL_TMP/run ]] || fail "a refused --branch wrote $AL_TMP/run"
echo "lottery branch arguments: all checks passed"
