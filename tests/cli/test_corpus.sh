#!/usr/bin/env bash
# audiolottery corpus on small fixtures built here (WAV files written by mkwav below):
# summary lines, skip reasons with file:line, filters, --list-skipped, exit codes, --help.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -x "${AL_CLI:-}" ] || fail "AL_CLI not set or not executable"
T="${AL_TMP:?}/corpus"
rm -rf "$T" && mkdir -p "$T"

# mkwav PATH SAMPLES: 16 kHz mono 16-bit WAV (a fixed non-silent byte pattern)
mkwav() {
    local bytes=$(($2 * 2))
    le32() { printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $(($1 & 255)) $((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255)))"; }
    { printf 'RIFF'; le32 $((36 + bytes)); printf 'WAVEfmt '; le32 16; printf '\x01\x00\x01\x00'; le32 16000; le32 32000
      printf '\x02\x00\x10\x00data'; le32 $bytes; yes 'a7' | tr -d '\n' | head -c "$bytes"; } > "$1"
}

K="$T/data/train"
mkdir -p "$K/wav"
mkwav "$K/wav/a.wav" 8000     # 0.5 s
mkwav "$K/wav/b.wav" 24000    # 1.5 s
mkwav "$K/wav/c.wav" 16000    # 1.0 s
printf 'not audio at all' > "$K/wav/junk.wav"
cat > "$K/wav.scp" <<SCP
a wav/a.wav
b $K/wav/b.wav
c wav/c.wav
p sox x.sph -t wav - |
m wav/missing.wav
j wav/junk.wav
e wav/a.wav
SCP
printf 'a hello there\nb Second ONE\nc third\np piped\nm missing\nj junk\ne \xc3\xa9\xc3\xa9\n' > "$K/text"
printf 'a s1\nb s2\nc s1\n' > "$K/utt2spk"

out=$("$AL_CLI" corpus "$K") || fail "corpus on kaldi dir exited $?: $out"
grep -q '^type: *kaldi$' <<<"$out" || fail "type not detected: $out"
grep -q '^utterances: *3$' <<<"$out" || fail "utterance count: $out"
grep -q '^speakers: *2$' <<<"$out" || fail "speaker count: $out"
grep -q '^durations: *min 0.50 s, median 1.00 s, max 1.50 s$' <<<"$out" || fail "durations: $out"
grep -q '^skipped: *4$' <<<"$out" || fail "skip total: $out"
grep -q 'unsupported entry  *1' <<<"$out" || fail "unsupported count: $out"
grep -q 'wav.scp:4: unsupported entry: p: piped command' <<<"$out" || fail "piped entry not named by file:line: $out"
grep -q 'text:5: missing audio file' <<<"$out" || fail "missing audio not named: $out"
grep -q 'text:6: unreadable audio file' <<<"$out" || fail "junk audio not named: $out"
grep -q 'text:7: empty transcript' <<<"$out" || fail "OOV-only transcript not skipped as empty: $out"

out=$("$AL_CLI" corpus "$K" --oov skip) || fail "--oov skip exited $?"
grep -q 'characters outside the alphabet  *1' <<<"$out" || fail "--oov skip: $out"

out=$("$AL_CLI" corpus "$T/data" --split train --min-duration 0.75 --max-duration 1.2) || fail "filters exited $?"
"$AL_CLI" corpus "$T/data" --min-duration inf >/dev/null 2>&1
[ $? -eq 2 ] || fail "--min-duration inf: want exit 2"
grep -q '^utterances: *1$' <<<"$out" || fail "filters: $out"
grep -q 'shorter than --min-duration  *1' <<<"$out" && grep -q 'longer than --max-duration  *1' <<<"$out" ||
    fail "filter skip counts: $out"
grep -q 'first skipped entries' <<<"$out" && grep -q '1 more (--list-skipped' <<<"$out" || fail "first-5 listing: $out"
out=$("$AL_CLI" corpus "$T/data" --split train --min-duration 0.75 --max-duration 1.2 --list-skipped) || fail "list exited"
[ "$(grep -c ': .*: ' <<<"$out")" -ge 6 ] && grep -q 'all skipped entries' <<<"$out" || fail "--list-skipped: $out"

# NeMo manifest, forced type, relative paths against the manifest's directory
printf '{"audio_filepath": "train/wav/a.wav", "text": "a"}\n{"audio_filepath": "train/wav/b.wav", "duration": 1.5, "text": "b"}\n{bad json\n' > "$T/data/m.json"
out=$("$AL_CLI" corpus --type nemo "$T/data/m.json") || fail "nemo exited $?: $out"
grep -q '^type: *nemo$' <<<"$out" && grep -q '^utterances: *2$' <<<"$out" && grep -q 'm.json:3: malformed' <<<"$out" ||
    fail "nemo summary: $out"

# nothing usable -> exit 1; missing path -> exit 1 naming it; bad option values -> exit 2
printf '{"audio_filepath": "nope.wav", "text": "x"}\n' > "$T/bad.jsonl"
"$AL_CLI" corpus "$T/bad.jsonl" >/dev/null 2>&1 && fail "all-skipped corpus exited 0"
err=$("$AL_CLI" corpus "$T/does-not-exist" 2>&1) && fail "missing path exited 0"
grep -q 'does-not-exist' <<<"$err" || fail "missing path message: $err"
err=$("$AL_CLI" corpus "$T" 2>&1) && fail "unknown layout exited 0"
grep -q 'unknown corpus layout' <<<"$err" || fail "unknown layout message: $err"
"$AL_CLI" corpus "$K" --type wrong >/dev/null 2>&1; [ $? -eq 2 ] || fail "--type wrong"
"$AL_CLI" corpus "$K" --oov maybe >/dev/null 2>&1; [ $? -eq 2 ] || fail "--oov maybe"
"$AL_CLI" corpus "$K" --min-duration -1 >/dev/null 2>&1; [ $? -eq 2 ] || fail "--min-duration -1"
"$AL_CLI" corpus >/dev/null 2>&1; [ $? -eq 2 ] || fail "no PATH"

help=$("$AL_CLI" corpus --help) || fail "--help exited $?"
for opt in --type --split --min-duration --max-duration --oov --list-skipped --help; do
    grep -q -- "$opt" <<<"$help" || fail "--help lacks $opt"
done
[ "$(grep -c 'default' <<<"$help")" -ge 6 ] || fail "--help lacks defaults: $help"
echo "test_corpus.sh: all checks passed"
