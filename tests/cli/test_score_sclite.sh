#!/usr/bin/env bash
# sclite parity: `audiolottery score` and NIST sclite (Debian package sctk) must count the same
# correct words, substitutions, deletions and insertions for every utterance of the fixture
# (tests/data/score: 30 utterances with ties, repeats, empty references and hypotheses, a missing
# hypothesis), and the same corpus totals, for words and (sclite -c) characters.
# sclite reads the .trn files that `score --trn-dir` exports. Skipped (77) without sclite.
set -u
SCLITE=$(command -v sclite || true)
[ -z "$SCLITE" ] && [ -x /usr/lib/sctk/bin/sclite ] && SCLITE=/usr/lib/sctk/bin/sclite
if [ -z "$SCLITE" ]; then
    echo "sclite not installed (Debian package sctk): skipped"
    exit 77
fi
T="$AL_TMP"
D="$AL_TEST_DATA/score"
rm -rf "$T" && mkdir -p "$T/sclite"
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# "(id) C S D I" per utterance from sclite's pra report and from our errors file.
sclite_utts() { awk '/^id: /{id=$2} /^Scores: /{print id, $6, $7, $8, $9}' "$1"; }
our_utts() { awk '/^id: /{id="(" $2 ")"} /^scores: /{print id, $6, $7, $8, $9}' "$1"; }
# "sub del ins ref utts_with_errors utts" from sclite's dtl report.
sclite_totals() {
    awk -F'[()]' '/^Percent Substitution/{s=$2} /^Percent Deletions/{d=$2} /^Percent Insertions/{i=$2}
        /^Ref\. words/{r=$2} /^ with errors/{e=$2}
        /^ sentences/{n=$0; sub(/.* /, "", n)} END{print s+0, d+0, i+0, r+0, e+0, n+0}' "$1"
}
# The same from our two output lines.
our_totals() {
    awk '/^%[WC]ER/{r=$6; i=$7; d=$9; s=$11; gsub(",", "", r)} /^%SER/{e=$4; n=$6} END{print s, d, i, r, e, n}' "$1"
}

compare() { # $1: label, $2: extra score option, $3: extra sclite option
    local label=$1
    "$AL_CLI" score --ref "$D/ref.trn" --hyp "$D/hyp.txt" $2 --errors "$T/$label.errors" --trn-dir "$T/trn" \
        >"$T/$label.out" 2>"$T/$label.err" || { fail "$label: score exit $?: $(cat "$T/$label.err")"; return; }
    "$SCLITE" -r "$T/trn/ref.trn" trn -h "$T/trn/hyp.trn" trn -i wsj -s $3 -o pra dtl -O "$T/sclite" -n "$label" \
        >"$T/$label.sclite.log" 2>&1 || { fail "$label: sclite exit $?: $(tail -5 "$T/$label.sclite.log")"; return; }
    sclite_utts "$T/sclite/$label.pra" >"$T/$label.sclite.utts"
    our_utts "$T/$label.errors" >"$T/$label.our.utts"
    [ "$(wc -l <"$T/$label.sclite.utts")" -eq 30 ] || fail "$label: sclite scored $(wc -l <"$T/$label.sclite.utts") utterances, want 30"
    diff "$T/$label.sclite.utts" "$T/$label.our.utts" >"$T/$label.diff" ||
        fail "$label: per-utterance counts (C S D I) differ from sclite:"$'\n'"$(cat "$T/$label.diff")"
    local want got
    want=$(sclite_totals "$T/sclite/$label.dtl")
    got=$(our_totals "$T/$label.out")
    [ "$want" = "$got" ] || fail "$label: totals (sub del ins ref err-utts utts): sclite $want, score $got"
    echo "$label: sclite $want; score $got"
}

compare words "" ""
compare chars "--cer" "-c"
# The fixture is one where sclite's costs matter: the plain edit distance counts fewer errors.
lev=$("$AL_CLI" score --ref "$D/ref.trn" --hyp "$D/hyp.txt" --cost levenshtein 2>/dev/null | head -1)
sc=$(head -1 "$T/words.out")
[ "$lev" != "$sc" ] || fail "--cost levenshtein gives the same line as sclite costs: $lev"

[ $fails -eq 0 ] || { echo "$fails failure(s)" >&2; exit 1; }
echo "ok"
