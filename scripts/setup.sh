#!/usr/bin/env bash
# Installs every Debian package audiolottery needs (idempotent; quick when all are present).
#   scripts/setup.sh          build, run and test dependencies
#   scripts/setup.sh --dev    also python3-torch/torchaudio (only for regenerating reference
#                             fixtures and for side-by-side benchmarks; never needed otherwise)
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config
  # one thread pool: the OpenMP build of OpenBLAS (the pthread build fighting OpenMP is 3x slower)
  libopenblas-openmp-dev
  # audio I/O (WAV, FLAC, OGG, MP3, NIST SPHERE), resampling, JSON, zlib
  libsndfile1-dev libsamplerate0-dev libcjson-dev zlib1g-dev
  # BPE output units (SentencePiece; C++, behind src/units/spm.cc)
  libsentencepiece-dev
  # the default synthetic corpus: TTS engines and voices, sentence sources, noise recordings
  espeak-ng flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts
  fortunes fortunes-min ufoai-sound asterisk-moh-opsound-wav unzip
  # scoring reference (sclite) and LM building (later issues)
  sctk irstlm
)
if [[ "${1:-}" == "--dev" ]]; then
  packages+=(python3-torch python3-torchaudio python3-numpy)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${#missing[@]} package(s): ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
