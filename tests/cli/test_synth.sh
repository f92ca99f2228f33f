#!/bin/bash
# audiolottery synth from the command line: help, usage errors, a small run with its summary and
# LibriSpeech layout, resume, and a missing engine (with and without --allow-missing).
set -u
fail=0
check() { # check "what" command...
    local what=$1; shift
    if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fail=1; fi
}
: "${AL_CLI:?}" "${AL_TMP:?}"
rm -rf "$AL_TMP" && mkdir -p "$AL_TMP"
out=$AL_TMP/corpus

"$AL_CLI" synth --help >"$AL_TMP/help.txt"; rc=$?
check "--help exits 0" test $rc -eq 0
for opt in --out --preset --hours --utterances --speakers --seed --threads --noise --snr --allow-missing; do
    check "--help lists $opt" grep -q -- "$opt" "$AL_TMP/help.txt"
done
check "--help gives the defaults" grep -q "default: 0,5,10,20" "$AL_TMP/help.txt"

"$AL_CLI" synth --preset tiny 2>"$AL_TMP/err.txt"; rc=$?
check "no --out: exit 2" test $rc -eq 2
check "no --out: says so" grep -q -- "--out DIR is required" "$AL_TMP/err.txt"
"$AL_CLI" synth --out "$out" --bogus 2>"$AL_TMP/err.txt"; rc=$?
check "unknown option: exit 2" test $rc -eq 2
"$AL_CLI" synth --out "$out" --snr 5,x 2>"$AL_TMP/err.txt"; rc=$?
check "bad --snr: exit 2" test $rc -eq 2
"$AL_CLI" synth --out "$out" --preset huge 2>"$AL_TMP/err.txt"; rc=$?
check "unknown preset: exit 2" test $rc -eq 2
check "unknown preset: named" grep -q "unknown preset 'huge'" "$AL_TMP/err.txt"
for bad in "--threads 1e10" "--threads 0" "--hours inf" "--speakers 3000000000" "--snr nan" "--snr 5," "--snr 1e300" \
    "--seed -1" "--hours 1 --utterances 5"; do
  # shellcheck disable=SC2086  # each case is several words on purpose
  "$AL_CLI" synth --out "$out" --noise $bad 2>"$AL_TMP/err.txt"; rc=$?
  check "synth $bad: exit 2" test $rc -eq 2
done

"$AL_CLI" synth --out "$out" --preset tiny --utterances 30 --seed 3 >"$AL_TMP/sum.txt" 2>"$AL_TMP/log.txt"; rc=$?
check "tiny run exits 0" test $rc -eq 0
check "summary has no FAIL" bash -c "! grep -q FAIL '$AL_TMP/sum.txt'"
check "summary checks disjointness" grep -q "PASS\] splits speaker-disjoint" "$AL_TMP/sum.txt"
check "progress with ETA" grep -q "ETA" "$AL_TMP/log.txt"
for f in index.json SPEAKERS.txt; do check "$f written" test -s "$out/$f"; done
for split in train dev test-clean test-other; do
    check "$split has audio" test -n "$(find "$out/$split" -name '*.flac' | head -1)"
done
nflac=$(find "$out" -name '*.flac' | wc -l)
ntrans=$(cat "$out"/*/*/*/*.trans.txt | wc -l)
check "one trans line per flac ($nflac)" test "$nflac" -eq "$ntrans" -a "$nflac" -ge 28
bad=$(find "$out" -name '*.flac' | grep -Ev '/(train|dev|test-clean|test-other)/([0-9]+)/([0-9]+)/\2-\3-[0-9]{4}\.flac$' | wc -l)
check "LibriSpeech names SPLIT/SPK/CHAP/SPK-CHAP-UTT.flac" test "$bad" -eq 0
check "no temporary files left" test -z "$(find "$out" -name '*.tmp.*' -o -name '.synth-tmp' | head -1)"
check "transcripts in the alphabet" bash -c "! cat '$out'/*/*/*/*.trans.txt | cut -d' ' -f2- | grep -q \"[^A-Z' ]\""

"$AL_CLI" synth --out "$out" --preset tiny --utterances 30 --seed 3 >"$AL_TMP/sum2.txt" 2>/dev/null; rc=$?
check "rerun exits 0" test $rc -eq 0
check "rerun keeps all $nflac utterances" grep -q "kept from an earlier run: $nflac," "$AL_TMP/sum2.txt"
# Another plan into the same directory would mix two corpora's speakers: refused, nothing changed.
cp "$out/index.json" "$AL_TMP/index.before"
"$AL_CLI" synth --out "$out" --preset tiny --utterances 30 --seed 4 >/dev/null 2>"$AL_TMP/err.txt"; rc=$?
check "another plan: exit 1" test $rc -eq 1
check "another plan: explained" grep -q "holds a corpus of another plan" "$AL_TMP/err.txt"
check "another plan: index unchanged" cmp -s "$out/index.json" "$AL_TMP/index.before"
check "another plan: no new audio" test "$(find "$out" -name '*.flac' | wc -l)" -eq "$nflac"

# Only flite and festival on PATH: a clear error, or espeak-ng left out with --allow-missing.
mkdir -p "$AL_TMP/bin"
for p in flite text2wave; do ln -sf "$(command -v $p)" "$AL_TMP/bin/$p"; done
PATH=$AL_TMP/bin "$AL_CLI" synth --out "$AL_TMP/nospeak" --preset tiny --utterances 12 2>"$AL_TMP/err.txt"; rc=$?
check "missing espeak-ng: exit 1" test $rc -eq 1
check "missing espeak-ng: named" grep -q "espeak-ng is not installed" "$AL_TMP/err.txt"
PATH=$AL_TMP/bin "$AL_CLI" synth --out "$AL_TMP/nospeak" --preset tiny --utterances 12 --allow-missing \
    >"$AL_TMP/sum3.txt" 2>"$AL_TMP/err.txt"; rc=$?
check "--allow-missing warns" grep -q "espeak-ng is not installed: left out" "$AL_TMP/err.txt"
check "--allow-missing: engine check fails, exit 1" test $rc -eq 1
check "--allow-missing: summary says FAIL for engines" grep -q "FAIL\] all three engines" "$AL_TMP/sum3.txt"
check "--allow-missing: no espeak-ng speaker" bash -c "! grep -q '|espeak-ng' '$AL_TMP/nospeak/SPEAKERS.txt'"

rm -rf "$out" "$AL_TMP/nospeak"
if [ $fail -ne 0 ]; then echo "0 passed, 1 failed"; exit 1; fi
echo "1 passed, 0 failed"
