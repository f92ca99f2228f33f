#!/usr/bin/env bash
# Training end to end on the tiny corpus: metrics and checkpoints are written, and a run stopped
# in mid-epoch (asked to, or killed with SIGKILL at a random moment) and started again ends with
# a last.safetensors byte-identical to an uninterrupted run's.
set -euo pipefail
: "${AL_CLI:?}" "${AL_TMP:?}" "${AL_TINY_CORPUS:?}"
rm -rf "$AL_TMP"; mkdir -p "$AL_TMP"
args=(train --train "$AL_TINY_CORPUS/train" --dev "$AL_TINY_CORPUS/dev" --model ds2-tiny
  --epochs 2 --batch-size 4 --seed 3 --checkpoint-every 2 --spec-augment --quiet)
train() { "$AL_CLI" "${args[@]}" --out "$@"; } # out_dir, extra args...
fail() { echo "FAIL: $*" >&2; exit 1; }

train "$AL_TMP/a" 2> "$AL_TMP/a.log" || { cat "$AL_TMP/a.log" >&2; fail "uninterrupted run"; }
for f in config.json metrics.csv last.safetensors best.safetensors; do
  [[ -s "$AL_TMP/a/$f" ]] || fail "missing $f"
done
[[ $(wc -l < "$AL_TMP/a/metrics.csv") -eq 3 ]] || fail "metrics.csv should have a header and 2 rows"
grep -q 'dev %WER' "$AL_TMP/a.log" || fail "no dev WER line in the log"

# Stopped as if killed after 5 batches, then resumed by the same command.
train "$AL_TMP/b" --stop-after-steps 5 2> "$AL_TMP/b1.log" || fail "stopped run"
grep -q 'stopped after 5 steps' "$AL_TMP/b1.log" || fail "the run did not stop"
train "$AL_TMP/b" 2> "$AL_TMP/b2.log" || { cat "$AL_TMP/b2.log" >&2; fail "resumed run"; }
grep -q 'resuming from' "$AL_TMP/b2.log" || fail "the second run did not resume"
cmp "$AL_TMP/a/last.safetensors" "$AL_TMP/b/last.safetensors" || fail "resumed run differs from uninterrupted"
cmp "$AL_TMP/a/metrics.csv" "$AL_TMP/b/metrics.csv" >/dev/null 2>&1 ||
  diff <(cut -d, -f1-5 "$AL_TMP/a/metrics.csv") <(cut -d, -f1-5 "$AL_TMP/b/metrics.csv") || fail "metrics differ"

# Killed with SIGKILL at a random moment after the first checkpoint.
# The program itself in the background (not a function: $! would be a subshell's pid, and killing
# that would leave the program running).
"$AL_CLI" "${args[@]}" --out "$AL_TMP/c" 2> "$AL_TMP/c1.log" &
pid=$!
for _ in $(seq 200); do [[ -e "$AL_TMP/c/last.safetensors" ]] && break; sleep 0.05; done
sleep "0.$((RANDOM % 5))"
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
! kill -0 "$pid" 2>/dev/null || fail "the killed run is still alive"
train "$AL_TMP/c" 2> "$AL_TMP/c2.log" || { cat "$AL_TMP/c2.log" >&2; fail "run after kill"; }
cmp "$AL_TMP/a/last.safetensors" "$AL_TMP/c/last.safetensors" || fail "run after SIGKILL differs"

# --select-by cer: the same training; best.safetensors is the epoch of the lowest dev CER (the first
# of equal ones), whatever the WERs say.
train "$AL_TMP/s" --select-by cer 2> "$AL_TMP/s.log" || { cat "$AL_TMP/s.log" >&2; fail "--select-by cer run"; }
diff <(cut -d, -f1-5 "$AL_TMP/a/metrics.csv") <(cut -d, -f1-5 "$AL_TMP/s/metrics.csv") || fail "selection changed training"
want=$(awk -F, 'NR > 1 && (best == "" || $4 < best) { best = $4; epoch = $1 } END { print epoch }' "$AL_TMP/s/metrics.csv")
grep -q "best dev CER [0-9.]* at epoch $want:" "$AL_TMP/s.log" || fail "best epoch is not the lowest dev CER's ($want)"
grep -q '"select_by":"cer"' "$AL_TMP/s/config.json" || fail "config.json lacks the selection metric"
if "$AL_CLI" train --train x --select-by bleu 2> "$AL_TMP/g.log"; then fail "bad metric accepted"; fi
grep -q -- "--select-by: 'bleu' is not a selection metric" "$AL_TMP/g.log" || fail "bad metric not named"

# Another config in the same directory is refused; bad options are clear errors.
if train "$AL_TMP/a" --lr 0.1 2> "$AL_TMP/d.log"; then fail "config change accepted"; fi
grep -q 'another config' "$AL_TMP/d.log" || fail "no clear message for a config change"
if train "$AL_TMP/a" --select-by cer 2> /dev/null; then fail "a change of selection metric accepted"; fi
if "$AL_CLI" train --train "$AL_TMP/nonexistent" --out "$AL_TMP/e" 2> "$AL_TMP/e.log"; then fail "missing corpus accepted"; fi
grep -q nonexistent "$AL_TMP/e.log" || fail "missing corpus not named"
if "$AL_CLI" train --train x --epochs zero 2> "$AL_TMP/f.log"; then fail "bad number accepted"; fi
grep -q -- "--epochs: 'zero'" "$AL_TMP/f.log" || fail "bad number not named"

# eval and info read the checkpoint.
"$AL_CLI" eval --checkpoint "$AL_TMP/a/best.safetensors" --corpus "$AL_TINY_CORPUS/test-clean" > "$AL_TMP/eval.txt"
grep -Eq '^%WER [0-9.]+ \[ [0-9]+ / [0-9]+, [0-9]+ ins, [0-9]+ del, [0-9]+ sub \]$' "$AL_TMP/eval.txt" || fail "eval WER line"
"$AL_CLI" info "$AL_TMP/a/last.safetensors" | grep -q 'rnns.1.rnn.weight_hh_l0_reverse' || fail "info table"
echo "train/resume: all checks passed"
