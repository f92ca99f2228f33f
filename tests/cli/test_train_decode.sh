#!/usr/bin/env bash
# Decoding commands end to end on a model trained for one epoch on the tiny corpus: eval (greedy
# and beam + LM) with .trn / errors / hyps outputs whose score equals eval's, tune-lm's grid, and
# transcribe's txt / json / srt / vtt outputs.
set -euo pipefail
: "${AL_CLI:?}" "${AL_TMP:?}" "${AL_TINY_CORPUS:?}" "${AL_TEST_DATA:?}"
rm -rf "$AL_TMP"; mkdir -p "$AL_TMP"
fail() { echo "FAIL: $*" >&2; exit 1; }
# --max-duration filters training utterances only: dev (1.5 to 3 s) must be scored whole.
"$AL_CLI" train --train "$AL_TINY_CORPUS/train" --dev "$AL_TINY_CORPUS/dev" --max-duration 2 --model ds2-tiny \
  --epochs 1 --batch-size 8 --quiet --out "$AL_TMP/run" 2> "$AL_TMP/train.log"
grep -Eq '^train: [0-9]+ utterances, .* \([1-9][0-9]* skipped\)' "$AL_TMP/train.log" || fail "train set not filtered"
grep -q '^dev: 6 utterances, .* (0 skipped)' "$AL_TMP/train.log" || fail "dev set filtered by --max-duration"
ckpt=$AL_TMP/run/last.safetensors
lm=$AL_TEST_DATA/lm/tiny.arpa
test_set=$AL_TINY_CORPUS/test-clean

"$AL_CLI" eval --checkpoint "$ckpt" --corpus "$test_set" --trn-dir "$AL_TMP/trn" --errors "$AL_TMP/errors.txt" \
  --hyps "$AL_TMP/hyps.txt" > "$AL_TMP/greedy.txt"
grep -q ', greedy, ' "$AL_TMP/greedy.txt" || fail "greedy not reported"
[[ -s $AL_TMP/trn/ref.trn && -s $AL_TMP/trn/hyp.trn && -s $AL_TMP/errors.txt && -s $AL_TMP/hyps.txt ]] || fail "outputs missing"
grep -q '^scores: (#C #S #D #I)' "$AL_TMP/errors.txt" || fail "errors file format"
"$AL_CLI" score --ref "$AL_TMP/trn/ref.trn" --hyp "$AL_TMP/trn/hyp.trn" > "$AL_TMP/score.txt"
diff <(grep '^%WER' "$AL_TMP/greedy.txt") <(grep '^%WER' "$AL_TMP/score.txt") || fail "score of the .trn files differs from eval"

"$AL_CLI" eval --checkpoint "$ckpt" --corpus "$test_set" --beam 8 --lm "$lm" --alpha 0.5 --beta 1 > "$AL_TMP/beam.txt" 2>/dev/null
grep -q 'beam 8, LM, alpha 0.5, beta 1' "$AL_TMP/beam.txt" || fail "beam + LM not reported"
grep -Eq '^%WER [0-9.]+ \[' "$AL_TMP/beam.txt" || fail "beam WER line"
if "$AL_CLI" eval --checkpoint "$ckpt" --corpus "$test_set" --lm "$AL_TMP/missing.arpa" 2> "$AL_TMP/e.log"; then
  fail "missing LM accepted"
fi
grep -q missing.arpa "$AL_TMP/e.log" || fail "missing LM not named"

"$AL_CLI" tune-lm --checkpoint "$ckpt" --corpus "$AL_TINY_CORPUS/dev" --lm "$lm" --beam 4 \
  --alpha-grid 0,1 --beta-grid 0,2 > "$AL_TMP/tune.txt" 2>/dev/null
grep -q '^greedy: WER' "$AL_TMP/tune.txt" || fail "tune-lm greedy line"
grep -Eq '^best: alpha [0-9.]+, beta [0-9.]+: WER' "$AL_TMP/tune.txt" || fail "tune-lm best line"

audio=$(find "$test_set" -name '*.flac' | sort | head -1)
"$AL_CLI" transcribe --checkpoint "$ckpt" "$audio" --format srt --out "$AL_TMP/a.srt"
"$AL_CLI" transcribe --checkpoint "$ckpt" "$audio" --format vtt --beam 4 --lm "$lm" > "$AL_TMP/a.vtt" 2>/dev/null
"$AL_CLI" transcribe --checkpoint "$ckpt" "$audio" "$audio" --format json > "$AL_TMP/a.json"
head -1 "$AL_TMP/a.vtt" | grep -q '^WEBVTT$' || fail "vtt header"
if [[ -s $AL_TMP/a.srt ]]; then
  head -2 "$AL_TMP/a.srt" | tail -1 | grep -Eq '^[0-9]{2}:[0-9]{2}:[0-9]{2},[0-9]{3} --> [0-9]{2}:[0-9]{2}:[0-9]{2},[0-9]{3}$' ||
    fail "srt cue timing line"
fi
[[ $(grep -c '"file":' "$AL_TMP/a.json") -eq 2 ]] || fail "json should hold two transcripts"
if "$AL_CLI" transcribe --checkpoint "$ckpt" "$audio" "$audio" --format srt 2>/dev/null; then fail "srt of two files accepted"; fi
# a full disk on stdout is an error, not a silent exit 0
if "$AL_CLI" transcribe --checkpoint "$ckpt" "$audio" > /dev/full 2>"$AL_TMP/full.err"; then fail "write to /dev/full succeeded"; fi
grep -q 'stdout: write failed' "$AL_TMP/full.err" || fail "stdout write error not named: $(cat "$AL_TMP/full.err")"
# features of another front end (80 log-mels) are refused before a model is built for them
"$AL_CLI" features "$audio" --type logmel --out "$AL_TMP/mel.safetensors" 2>/dev/null
"$AL_CLI" logits --checkpoint "$ckpt" --features "$AL_TMP/mel.safetensors" --out "$AL_TMP/mel_logits.safetensors" \
  2>"$AL_TMP/mel.err" && fail "80-bin features accepted"
grep -q "is not a 2-D F32 (161 bins, frames) matrix" "$AL_TMP/mel.err" || fail "bins message: $(cat "$AL_TMP/mel.err")"
# options the beam search would reject after the model's forward pass are refused when parsed
"$AL_CLI" tune-lm --checkpoint "$ckpt" --corpus "$AL_TINY_CORPUS/dev" --lm "$lm" --alpha-grid -1,0 2>"$AL_TMP/grid.err" &&
  fail "negative alpha accepted"
grep -q -- '--alpha-grid: -1 is outside \[0, 100\]' "$AL_TMP/grid.err" || fail "alpha grid message: $(cat "$AL_TMP/grid.err")"
"$AL_CLI" eval --checkpoint "$ckpt" --corpus "$AL_TINY_CORPUS/dev" --beam 2 --cutoff-prob 0 2>"$AL_TMP/cut.err" &&
  fail "cutoff-prob 0 accepted"
grep -q -- '--cutoff-prob: must be > 0' "$AL_TMP/cut.err" || fail "cutoff-prob message: $(cat "$AL_TMP/cut.err")"
echo "decode commands: all checks passed"
