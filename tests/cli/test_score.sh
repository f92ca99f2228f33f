#!/usr/bin/env bash
# `audiolottery score`: Kaldi WER/CER and SER lines, format detection per file (.trn or Kaldi
# text), pairing by id (missing hypotheses scored empty and listed), the errors file and .trn
# export, and clear file:line errors for bad input.
set -u
T="$AL_TMP"
rm -rf "$T" && mkdir -p "$T"
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
expect_line() { grep -qxF -- "$2" <<<"$1" || fail "$3: output lacks '$2'; got: $1"; }

help=$("$AL_CLI" score --help) || fail "--help exit status"
for s in --ref --hyp --cer --cost --format --errors --trn-dir "default sclite" "default auto" "(id)" "scores: (#C #S #D #I)"; do
    grep -qF -- "$s" <<<"$help" || fail "--help does not mention $s"
done

# Reference in Kaldi text, hypotheses in .trn (other order, u3 missing, an empty one).
printf 'u1 THE CAT SAT\n\nu2  A B\tC\r\nu3 GONE AWAY\nu4 X\n' >"$T/ref.txt"
printf '(u4)\nTHE BAT SAT DOWN (u1)\n  A C   (u2)  \n' >"$T/hyp.trn"
out=$("$AL_CLI" score --ref "$T/ref.txt" --hyp "$T/hyp.trn" --errors "$T/errors.txt" --trn-dir "$T/trn" 2>"$T/a.err") ||
    fail "score: exit $?: $(cat "$T/a.err")"
expect_line "$out" "%WER 66.67 [ 6 / 9, 1 ins, 4 del, 1 sub ]" "words"
expect_line "$out" "%SER 100.00 [ 4 / 4 ]" "words"
grep -qF "1 reference utterance not in $T/hyp.trn, scored as empty hypotheses: u3" "$T/a.err" ||
    fail "missing hypothesis not reported: $(cat "$T/a.err")"
cat >"$T/errors.want" <<'EOT'
id: u1
scores: (#C #S #D #I) 2 1 0 1
ref: THE CAT SAT ***
hyp: THE BAT SAT DOWN
ops: C   S   C   I

id: u2
scores: (#C #S #D #I) 2 0 1 0
ref: A B   C
hyp: A *** C
ops: C D   C

id: u3
scores: (#C #S #D #I) 0 0 2 0
ref: GONE AWAY
hyp: ***  ***
ops: D    D

id: u4
scores: (#C #S #D #I) 0 0 1 0
ref: X
hyp: ***
ops: D

EOT
diff "$T/errors.want" "$T/errors.txt" >/dev/null || fail "errors file: $(diff "$T/errors.want" "$T/errors.txt")"
[ "$(cat "$T/trn/ref.trn")" = $'THE CAT SAT (u1)\nA B C (u2)\nGONE AWAY (u3)\nX (u4)' ] || fail "ref.trn: $(cat "$T/trn/ref.trn")"
[ "$(cat "$T/trn/hyp.trn")" = $'THE BAT SAT DOWN (u1)\nA C (u2)\n(u3)\n(u4)' ] || fail "hyp.trn: $(cat "$T/trn/hyp.trn")"

# The exported .trn files score the same (both read as .trn).
out2=$("$AL_CLI" score --ref "$T/trn/ref.trn" --hyp "$T/trn/hyp.trn" 2>&1) || fail "score of exported trn: $out2"
[ "$out2" = "$out" ] || fail "exported .trn files score '$out2', want '$out'"

# Characters without spaces: THECATSAT / THEBATSATDOWN, ABC / AC, GONEAWAY / -, X / -.
out=$("$AL_CLI" score --ref "$T/ref.txt" --hyp "$T/hyp.trn" --cer 2>/dev/null) || fail "--cer exit status"
expect_line "$out" "%CER 71.43 [ 15 / 21, 4 ins, 10 del, 1 sub ]" "--cer"

# sclite's costs against the plain edit distance: 3 del + 3 ins against 5 sub.
printf 'A B C D E F G H (s)\n' >"$T/r.trn"
printf 'D E F G H F G H (s)\n' >"$T/h.trn"
out=$("$AL_CLI" score --ref "$T/r.trn" --hyp "$T/h.trn") || fail "shift case exit status"
expect_line "$out" "%WER 75.00 [ 6 / 8, 3 ins, 3 del, 0 sub ]" "sclite costs"
out=$("$AL_CLI" score --ref "$T/r.trn" --hyp "$T/h.trn" --cost levenshtein) || fail "levenshtein exit status"
expect_line "$out" "%WER 62.50 [ 5 / 8, 0 ins, 0 del, 5 sub ]" "--cost levenshtein"

# --format overrides detection: as Kaldi text, "(s)" is part of the text and "A" the id.
out=$("$AL_CLI" score --ref "$T/r.trn" --hyp "$T/r.trn" --format kaldi) || fail "--format kaldi exit status"
expect_line "$out" "%WER 0.00 [ 0 / 8, 0 ins, 0 del, 0 sub ]" "--format kaldi"

# Errors name the file and line; nothing is printed to stdout and no errors file is left.
bad() { # $1: label, $2: expected message part, rest: score arguments
    local label=$1 want=$2
    shift 2
    local o rc
    o=$("$AL_CLI" score "$@" --errors "$T/bad.errors" 2>&1 >/dev/null)
    rc=$?
    [ $rc -eq 1 ] || fail "$label: exit $rc, want 1"
    grep -qF -- "$want" <<<"$o" || fail "$label: message '$o' lacks '$want'"
    [ ! -e "$T/bad.errors" ] || fail "$label: errors file written"
    ls "$T" | grep -q '\.tmp\.' && fail "$label: temporary file left"
}
printf 'A B (x1)\nC D\nE (x3)\n' >"$T/noid.trn"
bad "line without id" "$T/noid.trn:2: no utterance id" --ref "$T/noid.trn" --hyp "$T/hyp.trn"
printf 'x1 A\nx2 B\n\nx1 C\n' >"$T/dup.txt"
bad "duplicate id" "$T/dup.txt:4: duplicate utterance id 'x1' (first at line 1)" --ref "$T/dup.txt" --hyp "$T/hyp.trn"
printf 'A (u1)\nB ()\n' >"$T/empty_id.trn"
bad "empty id" "$T/empty_id.trn:2: empty utterance id" --ref "$T/ref.txt" --hyp "$T/empty_id.trn"
printf 'THE CAT (u1)\nNEW (u9)\n' >"$T/extra.trn"
bad "id only in hyp" "$T/extra.trn:2: utterance 'u9' is not in the reference $T/ref.txt" --ref "$T/ref.txt" --hyp "$T/extra.trn"
bad "missing file" "$T/nope.txt" --ref "$T/nope.txt" --hyp "$T/hyp.trn"

# Bad usage exits 2.
"$AL_CLI" score --ref "$T/ref.txt" 2>/dev/null; [ $? -eq 2 ] || fail "missing --hyp: exit status"
"$AL_CLI" score --ref "$T/ref.txt" --hyp "$T/hyp.trn" --cost edit 2>/dev/null; [ $? -eq 2 ] || fail "bad --cost: exit status"
"$AL_CLI" score --ref "$T/ref.txt" --hyp "$T/hyp.trn" --format csv 2>/dev/null; [ $? -eq 2 ] || fail "bad --format: exit status"

[ $fails -eq 0 ] || { echo "$fails failure(s)" >&2; exit 1; }
echo "ok"
