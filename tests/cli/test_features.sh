#!/usr/bin/env bash
# End to end: `audiolottery features` on the parity fixture WAVs; bad inputs fail cleanly.
set -u
D="$AL_TEST_DATA/features"
T="$AL_TMP"
rm -rf "$T" && mkdir -p "$T"
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
header() { head -c 2000 "$1" | tail -c +9 | tr -d '\0'; } # the JSON header (u64 length first)

# --help lists every option with its default.
help=$("$AL_CLI" features --help) || fail "--help exit status"
for opt in --out --type --raw-rate --normalize --no-normalize --help "default: spectrogram"; do
    grep -q -- "$opt" <<<"$help" || fail "--help does not mention $opt"
done

# One input: a (161, 31) tensor named "features", normalised spectrogram metadata.
"$AL_CLI" features "$D/short.wav" --out "$T/one.safetensors" 2>"$T/one.err" || fail "single input: exit $?"
[ -s "$T/one.safetensors" ] || fail "single input: no output file"
h=$(header "$T/one.safetensors")
grep -q '"features":{"dtype":"F32","shape":\[161,31\]' <<<"$h" || fail "single input: header: $h"
grep -q '"type":"spectrogram"' <<<"$h" || fail "single input: no type metadata"
grep -q '"normalize":"1"' <<<"$h" || fail "single input: not normalised by default"
# 31 x 161 floats after the header.
size=$(stat -c %s "$T/one.safetensors")
hlen=$(od -An -t u8 -N 8 "$T/one.safetensors" | tr -d ' ')
[ "$size" -eq $((8 + hlen + 161 * 31 * 4)) ] || fail "single input: file size $size, header $hlen"

# Several inputs: named after their basenames; logmel without normalisation; options after inputs.
"$AL_CLI" features "$D/short.wav" "$D/odd.wav" "$D/tones.wav" --type logmel --out "$T/mel.safetensors" \
    2>"$T/mel.err" || fail "logmel: exit $?"
h=$(header "$T/mel.safetensors")
for t in '"short":{"dtype":"F32","shape":\[80,31\]' '"odd":{"dtype":"F32","shape":\[80,51\]' \
    '"tones":{"dtype":"F32","shape":\[80,101\]' '"type":"logmel"' '"normalize":"0"' '"n_mels":"80"'; do
    grep -q "$t" <<<"$h" || fail "logmel: header lacks $t"
done

# --out naming an input would destroy it: exit 2, the input untouched.
cp "$D/short.wav" "$T/in.wav"
"$AL_CLI" features "$T/in.wav" --out "$T/in.wav" 2>"$T/same.err"
[ $? -eq 2 ] || fail "--out = input: want exit 2"
cmp -s "$D/short.wav" "$T/in.wav" || fail "--out = input: the input changed"

# Colliding basenames are named after their paths.
mkdir -p "$T/a" "$T/b"
cp "$D/short.wav" "$T/a/x.wav"
cp "$D/odd.wav" "$T/b/x.wav"
(cd "$T" && "$AL_CLI" features a/x.wav b/x.wav --no-normalize --out both.safetensors 2>both.err) || fail "collision: exit"
h=$(header "$T/both.safetensors")
grep -q '"a_x":' <<<"$h" && grep -q '"b_x":' <<<"$h" || fail "collision: names: $h"

# A bad input: non-zero exit, message naming the file, no output (and no temp file) left.
echo "not audio" >"$T/bad.wav"
if "$AL_CLI" features "$D/short.wav" "$T/bad.wav" --out "$T/bad.safetensors" 2>"$T/bad.err"; then
    fail "bad input: exit 0"
fi
grep -q "$T/bad.wav" "$T/bad.err" || fail "bad input: message does not name the file: $(cat "$T/bad.err")"
ls "$T"/bad.safetensors* >/dev/null 2>&1 && fail "bad input: output left behind"
# A missing input, and an existing output stays untouched.
cp "$T/one.safetensors" "$T/keep.safetensors"
if "$AL_CLI" features "$T/missing.wav" --out "$T/keep.safetensors" 2>"$T/missing.err"; then fail "missing input: exit 0"; fi
grep -q "missing.wav" "$T/missing.err" || fail "missing input: message: $(cat "$T/missing.err")"
cmp -s "$T/one.safetensors" "$T/keep.safetensors" || fail "missing input: existing output changed"
# Too short for reflect padding: 100 samples of headerless PCM.
head -c 200 /dev/urandom >"$T/short.raw"
if "$AL_CLI" features "$T/short.raw" --raw-rate 16000 --out "$T/raw.safetensors" 2>"$T/raw.err"; then
    fail "too short: exit 0"
fi
grep -q "short.raw.*reflect padding" "$T/raw.err" || fail "too short: message: $(cat "$T/raw.err")"
# Usage errors exit 2.
"$AL_CLI" features "$D/short.wav" 2>/dev/null; [ $? -eq 2 ] || fail "no --out: exit status"
"$AL_CLI" features "$D/short.wav" --type mfcc --out "$T/x.safetensors" 2>/dev/null; [ $? -eq 2 ] || fail "bad --type"

[ $fails -eq 0 ] && echo "test_features.sh: all passed" || echo "test_features.sh: $fails failed"
[ $fails -eq 0 ]
