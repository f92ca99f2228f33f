#!/usr/bin/env bash
# Conformer-CTC through the CLI: the presets' exact parameter counts; training with the family's
# recipe (Adam + Noam, dropout, NeMo SpecAugment) stopped and resumed bit-identically; lottery
# levels with exact counts, unstructured and by channel units (feed-forward units, heads, conv
# channels); export; short utterances and --zero-infinity; BPE output units; and a bare PyTorch
# state dict of a size in no preset (no metadata) read by info, logits, eval and transcribe.
set -euo pipefail
: "${AL_CLI:?}" "${AL_TMP:?}" "${AL_TINY_CORPUS:?}" "${AL_TEST_DATA:?}"
rm -rf "$AL_TMP"; mkdir -p "$AL_TMP"
fail() { echo "FAIL: $*" >&2; exit 1; }
cli() { "$AL_CLI" "$@"; }

for p in "conformer-tiny 245469" "conformer-small 12445517" "conformer-medium 26212637"; do
  set -- $p
  cli info --model "$1" | grep -q "^parameters: $2 trainable" || fail "$1 should have $2 parameters"
done
cli train --model conformer-tiny --help | grep -q 'per step) (noam)' || fail "no noam in the recipe's help"

data=(--train "$AL_TINY_CORPUS/train" --dev "$AL_TINY_CORPUS/dev")
args=(train "${data[@]}" --model conformer-tiny --epochs 2 --batch-size 8 --warmup-steps 4 --seed 3 --quiet)
cli "${args[@]}" --out "$AL_TMP/a" 2> "$AL_TMP/a.log" || { tail -5 "$AL_TMP/a.log" >&2; fail "train"; }
grep -q '"optimizer":"adam".*"beta2":0.97999999999999998.*"clip":5.*"spec_augment":2.*"schedule":"noam","warmup_steps":4' \
  "$AL_TMP/a/config.json" || fail "the run's config lacks the Conformer recipe: $(cat "$AL_TMP/a/config.json")"
cli "${args[@]}" --out "$AL_TMP/b" --stop-after-steps 3 2> "$AL_TMP/b1.log" || fail "stopped run"
grep -q 'stopped after 3 steps' "$AL_TMP/b1.log" || fail "the run did not stop"
cli "${args[@]}" --out "$AL_TMP/b" 2> "$AL_TMP/b2.log" || { tail -5 "$AL_TMP/b2.log" >&2; fail "resumed run"; }
grep -q 'resuming from' "$AL_TMP/b2.log" || fail "no resume"
cmp "$AL_TMP/a/last.safetensors" "$AL_TMP/b/last.safetensors" || fail "the resumed run differs (dropout, Noam, SpecAugment)"

cli lottery "${data[@]}" --model conformer-tiny --epochs 1 --batch-size 8 --warmup-steps 4 --levels 1 --quiet \
  --out "$AL_TMP/lot" > "$AL_TMP/lot.log" 2>&1 || { tail -5 "$AL_TMP/lot.log" >&2; fail "lottery"; }
grep -q 'remaining: 162048 of 202560' "$AL_TMP/lot.log" || fail "level 1 should keep exactly 162048 of 202560"
# channel structure: feed-forward units, attention heads and conv channels (648 units, 518 kept)
cli lottery "${data[@]}" --model conformer-tiny --epochs 1 --batch-size 8 --warmup-steps 4 --levels 1 --quiet \
  --structure channel --out "$AL_TMP/chan" > "$AL_TMP/chan.log" 2>&1 || { tail -5 "$AL_TMP/chan.log" >&2; fail "channels"; }
units=$(sed -n '/level 1:/,$p' "$AL_TMP/chan.log" | grep -o '([0-9]* / [0-9]* channels)' | tr -d '()' |
  awk '{ k += $1; n += $3 } END { print k " of " n }')
[[ $units == "518 of 648" ]] || fail "level 1 should keep 518 of 648 units, kept $units"
cli export --checkpoint "$AL_TMP/lot/level_01/last.safetensors" --out "$AL_TMP/t.alc" > /dev/null 2>&1 || fail "export"
cli eval --checkpoint "$AL_TMP/lot/level_01/last.safetensors" --corpus "$AL_TINY_CORPUS/dev" > "$AL_TMP/e1.txt"
cli eval --checkpoint "$AL_TMP/t.alc" --corpus "$AL_TINY_CORPUS/dev" > "$AL_TMP/e2.txt"
diff <(grep '%WER\|%CER' "$AL_TMP/e1.txt") <(grep '%WER\|%CER' "$AL_TMP/e2.txt") || fail "the compact file scores differ"

# An utterance too short for the subsampling (0.04 s: 5 frames) is left out of training and gets an
# empty hypothesis in evaluation; one whose transcript outgrows its frames (16 characters in 7
# output frames) skips its batch only without --zero-infinity (the recipe's default is 1).
wavs=$AL_TEST_DATA/features
mkdir -p "$AL_TMP/k"
printf 'tones %s/tones.wav\nodd %s/odd.wav\nshort %s/short.wav\n' "$wavs" "$wavs" "$wavs" > "$AL_TMP/k/wav.scp"
printf 'u1 tones 0.00 1.00\nu2 odd 0.00 0.50\nu3 short 0.00 0.04\nu4 short 0.00 0.30\n' > "$AL_TMP/k/segments"
printf 'u1 a tone\nu2 odd\nu3 hi\nu4 abcdefghijklmnop\n' > "$AL_TMP/k/text"
kargs=(train --train "$AL_TMP/k" --model conformer-tiny --epochs 1 --batch-size 4 --warmup-steps 2)
cli "${kargs[@]}" --out "$AL_TMP/k1" > "$AL_TMP/k1.log" 2>&1 || { tail -3 "$AL_TMP/k1.log" >&2; fail "short utterance"; }
grep -q 'train: 3 utterances' "$AL_TMP/k1.log" || fail "the 0.04 s utterance was not left out: $(grep 'train:' "$AL_TMP/k1.log")"
! grep -q 'batch skipped' "$AL_TMP/k1.log" || fail "--zero-infinity 1 skipped a batch"
cli "${kargs[@]}" --zero-infinity 0 --out "$AL_TMP/k0" > "$AL_TMP/k0.log" 2>&1 || fail "--zero-infinity 0"
grep -q 'batch skipped' "$AL_TMP/k0.log" || fail "--zero-infinity 0 did not skip the impossible batch"
cli eval --checkpoint "$AL_TMP/k1/last.safetensors" --corpus "$AL_TMP/k" > "$AL_TMP/k.eval" 2> "$AL_TMP/k.err" ||
  fail "eval with a 0.04 s utterance: $(cat "$AL_TMP/k.err")"
grep -q '4 utterances' "$AL_TMP/k.eval" || fail "eval did not score all 4 utterances"

# BPE units: SentencePiece trained on the training transcripts, kept in the run directory and the
# checkpoints; a stopped run resumes bit-identically; greedy evaluation decodes words; a lottery
# trains every level with the run's units; beam search refuses them clearly (character units only).
bpe=(train "${data[@]}" --model conformer-tiny --units bpe:64 --epochs 2 --batch-size 8 --warmup-steps 4 --quiet)
cli "${bpe[@]}" --out "$AL_TMP/bpe" 2> "$AL_TMP/bpe.log" || { tail -3 "$AL_TMP/bpe.log" >&2; fail "bpe training"; }
[[ -s $AL_TMP/bpe/units.model ]] || fail "no units.model in the run directory"
grep -q '"units":"bpe:64"' "$AL_TMP/bpe/config.json" || fail "config.json lacks the units"
cli info "$AL_TMP/bpe/last.safetensors" | grep -q '65 classes' || fail "a bpe:64 model should have 65 classes"
cli "${bpe[@]}" --out "$AL_TMP/bpe2" --stop-after-steps 3 2> /dev/null || fail "bpe stopped run"
cli "${bpe[@]}" --out "$AL_TMP/bpe2" 2> /dev/null || fail "bpe resumed run"
cmp "$AL_TMP/bpe/last.safetensors" "$AL_TMP/bpe2/last.safetensors" || fail "the resumed bpe run differs"
mkdir -p "$AL_TMP/bpe3" && cp "$AL_TMP/bpe/units.model" "$AL_TMP/bpe3/"
if cli "${bpe[@]/bpe:64/bpe:32}" --out "$AL_TMP/bpe3" 2> "$AL_TMP/b3.err"; then fail "a bpe:64 units.model was reused for bpe:32"; fi
grep -q 'units.model: holds 64 BPE pieces but --units asks for bpe:32' "$AL_TMP/b3.err" || fail "units mismatch: $(cat "$AL_TMP/b3.err")"
cli eval --checkpoint "$AL_TMP/bpe/last.safetensors" --corpus "$AL_TINY_CORPUS/dev" | grep -q '%WER' ||
  fail "greedy eval of a bpe model"
if cli eval --checkpoint "$AL_TMP/bpe/last.safetensors" --corpus "$AL_TINY_CORPUS/dev" --beam 4 2> "$AL_TMP/b.err"; then
  fail "beam search accepted bpe units"
fi
grep -q 'needs character units; bpe:64 decodes greedily' "$AL_TMP/b.err" || fail "beam refusal: $(cat "$AL_TMP/b.err")"
cli lottery "${data[@]}" --model conformer-tiny --units bpe:64 --epochs 1 --batch-size 8 --warmup-steps 4 --levels 1 \
  --quiet --out "$AL_TMP/bl" > "$AL_TMP/bl.log" 2>&1 || { tail -3 "$AL_TMP/bl.log" >&2; fail "lottery with bpe"; }
grep -q 'remaining: 163891 of 204864' "$AL_TMP/bl.log" || fail "a bpe:64 lottery level 1 should keep 163891 of 204864"
cmp "$AL_TMP/bl/units.model" "$AL_TMP/bl/level_01/units.model" || fail "a level trained with other units"
rc=0; cli train "${data[@]}" --units words --out "$AL_TMP/bw" 2> "$AL_TMP/bw.err" || rc=$?
[[ $rc -eq 2 ]] && grep -q -- '--units' "$AL_TMP/bw.err" || fail "a bad --units: exit $rc"

bare=$AL_TEST_DATA/conformer/other_state_dict.safetensors
cli info "$bare" | grep -q '^config: conformer, d 48, 4 heads, ffn 96, 1 layers, kernel 7' || fail "info: $(cli info "$bare" | tail -1)"
wav=$(find "$AL_TINY_CORPUS/dev" -name '*.flac' | sort | head -1)
cli logits --checkpoint "$bare" --out "$AL_TMP/lp.safetensors" "$wav" || fail "logits of the bare state dict"
cli eval --checkpoint "$bare" --corpus "$AL_TINY_CORPUS/dev" | grep -q '%WER' || fail "eval of the bare state dict"
cli transcribe --checkpoint "$bare" "$wav" > /dev/null || fail "transcribe with the bare state dict"
echo "conformer: recipe, resume, lottery, export and a bare state dict through the CLI"
