#!/usr/bin/env bash
# bench-infer on the committed ds2-tiny fixture (no masks: its nonzero weights): the timing table,
# the per-weight choices (all dense when nothing is pruned; forced csr / bsr8x1), sparse logits
# equal to dense ones, PyTorch timed or reported missing, and bad usage.
set -euo pipefail
: "${AL_CLI:?}" "${AL_TMP:?}" "${AL_TEST_DATA:?}"
rm -rf "$AL_TMP"; mkdir -p "$AL_TMP"
fail() { echo "FAIL: $*" >&2; exit 1; }
ckpt=$AL_TEST_DATA/ds2/ds2_tiny_fixture.safetensors

"$AL_CLI" bench-infer --help > "$AL_TMP/help.txt"
grep -q -- '--seconds S .*(default 10)' "$AL_TMP/help.txt" || fail "--help lacks the --seconds default"
grep -q -- '--repeats R .*(default 5)' "$AL_TMP/help.txt" || fail "--help lacks the --repeats default"

for fmt in auto csr bsr8x1; do
  out=$AL_TMP/$fmt.txt
  # PyTorch once (auto) is enough: the other runs point at a missing script, which skips it
  torch=()
  [[ $fmt == auto ]] || torch=(--torch-script "$AL_TMP/none.py")
  "$AL_CLI" bench-infer --checkpoint "$ckpt" --seconds 1.5 --repeats 2 --format "$fmt" "${torch[@]}" > "$out"
  for line in '^ours dense ' '^ours sparse ' '^sparse/dense time ' '^masks: none' '1.50 s synthetic'; do
    grep -q "$line" "$out" || fail "$fmt: no '$line'"
  done
  want=$([[ $fmt == auto ]] && echo dense || echo "$fmt")
  [[ $(grep -c "^rnns\.\|^conv\." "$out") == 10 ]] || fail "$fmt: not 10 weights listed"
  [[ $(grep -c "^rnns\..* $want\$\|^conv\..* $want\$" "$out") == 10 ]] || fail "$fmt: formats are not all $want"
  diff=$(sed -n 's/^sparse logits: .* = //p' "$out")
  awk -v d="$diff" 'BEGIN { exit !(d != "" && d <= 1e-5) }' || fail "$fmt: sparse logits differ by $diff"
  grep -Eq '^(pytorch dense |pytorch: not measured)' "$out" || fail "$fmt: PyTorch neither timed nor reported missing"
done

if "$AL_CLI" bench-infer --checkpoint "$ckpt" --format coo 2> "$AL_TMP/e.log"; then fail "--format coo accepted"; fi
grep -q 'coo' "$AL_TMP/e.log" || fail "bad format not named"
if "$AL_CLI" bench-infer --checkpoint "$AL_TMP/missing.safetensors" --seconds 1 2> "$AL_TMP/e.log"; then
  fail "missing checkpoint accepted"
fi
grep -q 'missing.safetensors' "$AL_TMP/e.log" || fail "missing checkpoint not named"
echo "ok"
