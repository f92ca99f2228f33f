#!/usr/bin/env bash
# export: a compact model file of the committed ds2-tiny fixture (no masks: its nonzero weights are
# kept) gives the same log-probabilities as the checkpoint; sizes are printed; bad usage is named.
set -euo pipefail
: "${AL_CLI:?}" "${AL_TMP:?}" "${AL_TEST_DATA:?}"
rm -rf "$AL_TMP"; mkdir -p "$AL_TMP"
fail() { echo "FAIL: $*" >&2; exit 1; }
ckpt=$AL_TEST_DATA/ds2/ds2_tiny_fixture.safetensors

"$AL_CLI" export --checkpoint "$ckpt" --out "$AL_TMP/tiny.compact.safetensors" > "$AL_TMP/out.txt" 2> "$AL_TMP/err.txt"
grep -q 'mask: none found' "$AL_TMP/err.txt" || fail "mask source not reported"
grep -Eq '^wrote .*tiny.compact.safetensors: [0-9.]+ MB; kept [0-9]+ of [0-9]+ prunable weights' "$AL_TMP/out.txt" ||
  fail "size line missing"
grep -q '^the same weights dense: ' "$AL_TMP/out.txt" || fail "dense size missing"

"$AL_CLI" info "$AL_TMP/tiny.compact.safetensors" > "$AL_TMP/info.txt"
grep -Eq '^masks: ([0-9]+) of \1 masked weights kept \(100.00%\)' "$AL_TMP/info.txt" || fail "info of the compact file"

audio=$AL_TEST_DATA/features/tones.wav
"$AL_CLI" logits --checkpoint "$ckpt" "$audio" --out "$AL_TMP/dense.safetensors"
"$AL_CLI" logits --checkpoint "$AL_TMP/tiny.compact.safetensors" "$audio" --out "$AL_TMP/compact.safetensors"
cmp -s "$AL_TMP/dense.safetensors" "$AL_TMP/compact.safetensors" || fail "compact logits differ from the checkpoint's"

if "$AL_CLI" export --checkpoint "$ckpt" 2> "$AL_TMP/e.log"; then fail "missing --out accepted"; fi
# --out naming the checkpoint itself would replace it: exit 2, the checkpoint untouched
cp "$ckpt" "$AL_TMP/own.safetensors"
"$AL_CLI" export --checkpoint "$AL_TMP/own.safetensors" --out "$AL_TMP/./own.safetensors" 2> "$AL_TMP/e.log" &&
  fail "--out = --checkpoint accepted"
cmp -s "$ckpt" "$AL_TMP/own.safetensors" || fail "--out = --checkpoint: the checkpoint changed"
grep -q "refusing to overwrite it" "$AL_TMP/e.log" || fail "same-file message: $(cat "$AL_TMP/e.log")"
# logits: the same for --out = --checkpoint, and --threads must be a number
"$AL_CLI" logits --checkpoint "$AL_TMP/own.safetensors" "$audio" --out "$AL_TMP/own.safetensors" 2>/dev/null &&
  fail "logits --out = --checkpoint accepted"
cmp -s "$ckpt" "$AL_TMP/own.safetensors" || fail "logits --out = --checkpoint: the checkpoint changed"
rc=0
"$AL_CLI" logits --checkpoint "$ckpt" "$audio" --out "$AL_TMP/t.safetensors" --threads abc 2>/dev/null || rc=$?
[[ $rc -eq 2 ]] || fail "logits --threads abc: exit $rc, want 2"
# an unknown model preset is bad usage (exit 2) for every command that takes one, before any work
for cmd in "train --train x" "lottery --train x --out $AL_TMP/never" "info"; do
  rc=0
  # shellcheck disable=SC2086  # the command and its options are several words on purpose
  "$AL_CLI" $cmd --model bogus 2> "$AL_TMP/m.log" || rc=$?
  [[ $rc -eq 2 ]] && grep -q "unknown model preset 'bogus'" "$AL_TMP/m.log" || fail "$cmd --model bogus: exit $rc"
done
[[ ! -e $AL_TMP/never ]] || fail "lottery with a bad --model wrote its directory"
if "$AL_CLI" export --checkpoint "$ckpt" --mask "$AL_TMP/none.safetensors" --out "$AL_TMP/x.safetensors" 2> "$AL_TMP/e.log"; then
  fail "missing mask accepted"
fi
grep -q 'none.safetensors' "$AL_TMP/e.log" || fail "missing mask file not named"
[[ ! -e $AL_TMP/x.safetensors ]] || fail "output written despite the error"
# a --mask file that holds no masks (here a plain checkpoint) is an error, not "keep everything"
if "$AL_CLI" export --checkpoint "$ckpt" --mask "$ckpt" --out "$AL_TMP/y.safetensors" 2> "$AL_TMP/e2.log"; then
  fail "a mask file without masks accepted"
fi
grep -q 'ds2_tiny_fixture.safetensors: no <tensor>_mask tensor' "$AL_TMP/e2.log" || fail "maskless mask file not named"
[[ ! -e $AL_TMP/y.safetensors ]] || fail "output written despite the maskless mask"
echo "ok"
