#!/usr/bin/env bash
# A model family registered through audiolottery/model.h alone (tests/family/linear_ctc.c) is
# trained, resumed, pruned by the lottery (with a baseline branch and channel structure),
# checkpointed, exported and evaluated by the unchanged CLI; the plain CLI, which lacks the family,
# refuses its presets and checkpoints clearly.
set -euo pipefail
: "${AL_CLI:?}" "${AL_FAMILY_CLI:?}" "${AL_TMP:?}" "${AL_TINY_CORPUS:?}"
rm -rf "$AL_TMP"; mkdir -p "$AL_TMP"
fail() { echo "FAIL: $*" >&2; exit 1; }
cli() { "$AL_FAMILY_CLI" "$@"; }
data=(--train "$AL_TINY_CORPUS/train" --dev "$AL_TINY_CORPUS/dev")
common=(--model linear-tiny --batch-size 4 --seed 5 --quiet)

cli info --model linear-tiny > "$AL_TMP/info.txt"
grep -q '^head.weight .* 29x32 .* 928 yes' "$AL_TMP/info.txt" || fail "info: no head.weight row"
grep -q 'config: linear-ctc, 80 log-mel bins, 32 hidden units, 29 classes' "$AL_TMP/info.txt" || fail "info: config"
cli train --help | grep -q 'linear-tiny' || fail "train --help does not list the family's presets"

# train, and the same run stopped after 3 steps and resumed: identical final checkpoint
cli train "${data[@]}" "${common[@]}" --epochs 3 --out "$AL_TMP/a" 2> "$AL_TMP/a.log" ||
  { tail -5 "$AL_TMP/a.log" >&2; fail "train"; }
grep -q 'epoch 3/3: train loss' "$AL_TMP/a.log" || fail "no epoch lines"
first=$(grep -o 'epoch 1/3: train loss [0-9.]*' "$AL_TMP/a.log" | grep -o '[0-9.]*$')
last=$(grep -o 'epoch 3/3: train loss [0-9.]*' "$AL_TMP/a.log" | grep -o '[0-9.]*$')
awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < a) }' || fail "train loss did not fall ($first -> $last)"
cli train "${data[@]}" "${common[@]}" --epochs 3 --out "$AL_TMP/b" --stop-after-steps 3 2> "$AL_TMP/b1.log" ||
  fail "stopped run"
grep -q 'stopped after 3 steps' "$AL_TMP/b1.log" || fail "the run did not stop"
cli train "${data[@]}" "${common[@]}" --epochs 3 --out "$AL_TMP/b" 2> "$AL_TMP/b2.log" || fail "resumed run"
grep -q 'resuming from' "$AL_TMP/b2.log" || fail "no resume"
cmp "$AL_TMP/a/last.safetensors" "$AL_TMP/b/last.safetensors" || fail "resumed run differs from uninterrupted"
cli info "$AL_TMP/a/last.safetensors" | grep -q '^config: linear-ctc' || fail "the checkpoint does not reopen as linear-ctc"

# lottery: exact counts of the family's prunable weights, a random-reinit baseline, channel units
lot=(lottery "${data[@]}" "${common[@]}" --epochs 2 --levels 2 --prune-fraction 0.5 --test-clean
  "$AL_TINY_CORPUS/test-clean")
cli "${lot[@]}" --branch random-reinit@2 --out "$AL_TMP/lot" > "$AL_TMP/lot.log" 2>&1 ||
  { tail -5 "$AL_TMP/lot.log" >&2; fail "lottery"; }
grep -q 'remaining: 872 of 3488' "$AL_TMP/lot.log" || fail "level 2 should keep exactly 872 of 3488 weights"
[[ -s $AL_TMP/lot/level_02/branches/random-reinit/report.json ]] || fail "no branch report"
cli "${lot[@]}" --branch random-reinit@2 --out "$AL_TMP/lot" > "$AL_TMP/lot2.log" 2>&1 || fail "lottery rerun"
grep -q 'done (report.json exists)' "$AL_TMP/lot2.log" || fail "a finished lottery was not skipped on rerun"
cli "${lot[@]}" --structure channel --out "$AL_TMP/chan" > "$AL_TMP/chan.log" 2>&1 ||
  { tail -5 "$AL_TMP/chan.log" >&2; fail "channel lottery"; }
cli report "$AL_TMP/lot" > "$AL_TMP/report.txt" || fail "report"
grep -q 'random-reinit' "$AL_TMP/report.txt" || fail "report lacks the branch"

# evaluation of the checkpoint and of its compact export give the same numbers
ckpt=$AL_TMP/lot/level_02/best.safetensors
cli eval --checkpoint "$ckpt" --corpus "$AL_TINY_CORPUS/dev" > "$AL_TMP/eval1.txt" || fail "eval"
cli export --checkpoint "$ckpt" --out "$AL_TMP/model.alc" > /dev/null 2>&1 || fail "export"
cli eval --checkpoint "$AL_TMP/model.alc" --corpus "$AL_TINY_CORPUS/dev" > "$AL_TMP/eval2.txt" || fail "eval compact"
diff <(grep '%WER\|%CER' "$AL_TMP/eval1.txt") <(grep '%WER\|%CER' "$AL_TMP/eval2.txt") || fail "compact file scores differ"
wav=$(find "$AL_TINY_CORPUS/dev" -name '*.flac' -o -name '*.wav' | sort | head -1)
cli transcribe --checkpoint "$ckpt" --format json "$wav" > "$AL_TMP/t.json" || fail "transcribe"
grep -q '"text"' "$AL_TMP/t.json" || fail "transcribe json"
cli logits --checkpoint "$ckpt" --out "$AL_TMP/logits.safetensors" "$wav" || fail "logits"

# the plain CLI does not know the family: clear errors
rc=0; "$AL_CLI" train "${data[@]}" --model linear-tiny --out "$AL_TMP/x" 2> "$AL_TMP/x.log" || rc=$?
[[ $rc -eq 2 ]] && grep -q "unknown model preset 'linear-tiny'" "$AL_TMP/x.log" || fail "plain CLI: exit $rc"
if "$AL_CLI" eval --checkpoint "$ckpt" --corpus "$AL_TINY_CORPUS/dev" 2> "$AL_TMP/y.log"; then
  fail "plain CLI evaluated a linear-ctc checkpoint"
fi
grep -q 'arch "linear-ctc" is not a model family here' "$AL_TMP/y.log" || fail "plain CLI: $(cat "$AL_TMP/y.log")"
echo "model family: trained, resumed, pruned, exported and evaluated through the interface"
