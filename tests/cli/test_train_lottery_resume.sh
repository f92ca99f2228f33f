#!/usr/bin/env bash
# A toy lottery run killed with SIGKILL at a random moment and started again with the same command
# ends with every mask and final checkpoint byte-identical to an uninterrupted run; a changed config
# is refused; bad options are clear errors.
set -euo pipefail
: "${AL_CLI:?}" "${AL_TMP:?}" "${AL_TINY_CORPUS:?}"
rm -rf "$AL_TMP"; mkdir -p "$AL_TMP"
fail() { echo "FAIL: $*" >&2; exit 1; }
# The data block of a safetensors file (after its JSON header): the two runs' headers differ only
# in metadata naming their own run directory.
data_block() { local h; h=$(od -An -tu8 -N8 "$1" | tr -d ' '); tail -c +$((8 + h + 1)) "$1"; }
args=(lottery --train "$AL_TINY_CORPUS/train" --dev "$AL_TINY_CORPUS/dev" --model ds2-tiny --epochs 1
  --batch-size 8 --checkpoint-every 2 --levels 2 --prune-fraction 0.5 --branch random-reinit@2 --quiet)
lottery() { "$AL_CLI" "${args[@]}" --out "$@"; } # run_dir, extra args...

lottery "$AL_TMP/a" > "$AL_TMP/a.log" 2>&1 || { tail -20 "$AL_TMP/a.log" >&2; fail "uninterrupted run"; }
grep -q 'lottery run complete' "$AL_TMP/a.log" || fail "no completion line"
grep -q 'remaining: 8275 of 33100' "$AL_TMP/a.log" || fail "level 2 should keep exactly 8275 of 33100 weights"

# The program itself in the background (not a function: $! would be a subshell's pid, and killing
# that would leave the program running).
"$AL_CLI" "${args[@]}" --out "$AL_TMP/b" > "$AL_TMP/b1.log" 2>&1 &
pid=$!
sleep "$((2 + RANDOM % 6)).$((RANDOM % 10))"
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
! kill -0 "$pid" 2>/dev/null || fail "the killed run is still alive"
lottery "$AL_TMP/b" > "$AL_TMP/b2.log" 2>&1 || { tail -20 "$AL_TMP/b2.log" >&2; fail "resumed run"; }
n=0
while IFS= read -r f; do
  rel=${f#"$AL_TMP/a/"}
  case $rel in *report.json|*start.safetensors|*best.safetensors) continue ;; esac
  cmp <(data_block "$f") <(data_block "$AL_TMP/b/$rel") || fail "$rel differs after kill + resume"
  n=$((n + 1))
done < <(find "$AL_TMP/a" -name '*.safetensors' | sort)
[[ $n -ge 8 ]] || fail "compared only $n files"

if lottery "$AL_TMP/a" --prune-fraction 0.3 > "$AL_TMP/c.log" 2>&1; then fail "config change accepted"; fi
grep -q 'another config' "$AL_TMP/c.log" || fail "no clear message for a config change"
if "$AL_CLI" lottery --train x --branch sideways@2 2> "$AL_TMP/d.log"; then fail "bad branch accepted"; fi
grep -q 'sideways' "$AL_TMP/d.log" || fail "bad branch not named"
if "$AL_CLI" lottery --train x --rewind soon --out "$AL_TMP/e" 2> "$AL_TMP/e.log"; then fail "bad rewind accepted"; fi
grep -q -- '--rewind soon' "$AL_TMP/e.log" || fail "bad rewind not named"
if lottery "$AL_TMP/f" --branch finetune@3 > "$AL_TMP/f.log" 2>&1; then fail "a branch after the last level accepted"; fi
grep -q -- '--branch finetune@3: the run.s last level is 2' "$AL_TMP/f.log" || fail "late branch not named"
[[ ! -e $AL_TMP/f/config.json ]] || fail "the refused run claimed its directory"
if lottery "$AL_TMP/g" --target-percent 30 2> "$AL_TMP/g.log"; then fail "--levels with --target-percent accepted"; fi
grep -q 'not both' "$AL_TMP/g.log" || fail "--levels with --target-percent not explained"
rc=0; lottery "$AL_TMP/h" --rewind 00000000000000000000000000005itjunk 2> "$AL_TMP/h.log" || rc=$?
[[ $rc -eq 2 ]] && grep -q 'too long' "$AL_TMP/h.log" || fail "an over-long --rewind: exit $rc: $(cat "$AL_TMP/h.log")"
# a rewind point after level 0's last step is refused before anything trains or is written
if lottery "$AL_TMP/i" --rewind 99ep > "$AL_TMP/i.log" 2>&1; then fail "--rewind 99ep of a 1-epoch run accepted"; fi
grep -q "comes after level 0's training ends" "$AL_TMP/i.log" || fail "late rewind: $(tail -3 "$AL_TMP/i.log")"
[[ ! -e $AL_TMP/i ]] || fail "the refused run wrote $AL_TMP/i"
echo "lottery resume: $n files identical after SIGKILL + resume; all checks passed"
