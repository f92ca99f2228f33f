#!/usr/bin/env bash
# The model interface changed nothing for users: for the same commands and seed, train (3 steps),
# lottery (2 levels, one branch) and export write the same bytes as the code before the interface
# (tests/data/seam/expected.sha256, taken with the pre-interface build, commit 6eaebe9).
# Timing fields (wall time, audio/s) are the only parts of a report left out of the comparison.
# The sums hold for one OpenBLAS kernel family: a machine whose CPU makes OpenBLAS pick other
# sgemm kernels rounds differently, and then the sums must be taken again from the old commit.
#   AL_SEAM_WRITE=1 bash tests/cli/test_model_seam_identity.sh   rewrites the expected sums
set -euo pipefail
: "${AL_CLI:?}" "${AL_TMP:?}" "${AL_TEST_DATA:?}"
rm -rf "$AL_TMP"; mkdir -p "$AL_TMP"
fail() { echo "FAIL: $*" >&2; exit 1; }
expected=$AL_TEST_DATA/seam/expected.sha256
wavs=$AL_TEST_DATA/features

# A Kaldi data directory cut from the committed test recordings: no synthesiser involved, so the
# input bytes are the same on every machine.
make_dir() { # dir, then "utt rec start end text" lines on stdin
  mkdir -p "$1"
  printf 'tones %s/tones.wav\nodd %s/odd.wav\nshort %s/short.wav\n' "$wavs" "$wavs" "$wavs" > "$1/wav.scp"
  : > "$1/segments"; : > "$1/text"
  while read -r utt rec start end text; do
    echo "$utt $rec $start $end" >> "$1/segments"
    echo "$utt $text" >> "$1/text"
  done
}
cd "$AL_TMP"
make_dir data/train <<'L'
u1 tones 0.00 1.00 a tone
u2 tones 0.10 0.90 beep
u3 odd 0.00 0.50 odd
u4 short 0.00 0.30 hi
u5 tones 0.20 0.70 bee
u6 odd 0.05 0.45 do
L
make_dir data/dev <<'L'
d1 tones 0.30 1.00 tone
d2 short 0.00 0.30 ah
L

export OMP_NUM_THREADS=1 # one thread: the sums do not depend on the machine's core count
common=(--model ds2-tiny --batch-size 2 --seed 7 --quiet)
"$AL_CLI" train --train data/train --dev data/dev --out train "${common[@]}" --epochs 1 --checkpoint-every 1 \
  > train.log 2>&1 || { tail -5 train.log >&2; fail "train"; }
"$AL_CLI" lottery --train data/train --dev data/dev --out lottery "${common[@]}" --epochs 1 --levels 1 \
  --prune-fraction 0.5 --branch random-reinit@1 --test-clean data/dev > lottery.log 2>&1 ||
  { tail -5 lottery.log >&2; fail "lottery"; }
"$AL_CLI" export --checkpoint lottery/level_01/last.safetensors --out model.alc > export.log 2>&1 ||
  { tail -5 export.log >&2; fail "export"; }

# Timing fields vary from run to run; everything else in a report must not.
strip_times() { sed -E 's/"(wall_seconds|train_audio_seconds_per_second)":[^,}]*/"\1":T/g' "$1"; }
sums() {
  find train lottery model.alc -type f ! -name '*.log' | LC_ALL=C sort | while read -r f; do
    case $f in
      *.json) printf '%s  %s\n' "$(strip_times "$f" | sha256sum | cut -d' ' -f1)" "$f" ;;
      *metrics.csv) printf '%s  %s\n' "$(cut -d, -f1-5,7- "$f" | sha256sum | cut -d' ' -f1)" "$f" ;;
      *) sha256sum "$f" ;;
    esac
  done
}
sums > actual.sha256
if [[ -n ${AL_SEAM_WRITE:-} ]]; then cp actual.sha256 "$expected"; echo "wrote $expected"; exit 0; fi
diff "$expected" actual.sha256 || fail "outputs differ from the pre-interface code (lines above: - expected, + now)"
echo "model seam: $(wc -l < actual.sha256) files identical to the pre-interface code"
