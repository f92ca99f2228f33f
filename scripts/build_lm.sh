#!/usr/bin/env bash
# Builds word n-gram language models in ARPA format with IRSTLM (Debian package irstlm).
#
#   scripts/build_lm.sh TEXT_FILE OUT.arpa [ORDER=3]
#       TEXT_FILE: one sentence per line, upper case (as our transcripts). Adds <s>/</s>
#       (add-start-end.sh), estimates with build-lm.sh (improved Kneser-Ney, which IRSTLM maps to
#       improved shift-beta), writes ARPA with compile-lm. IRSTLM stores the whole OOV mass in
#       <unk> and divides it by (dub - |V|) when it scores (dub = 10^7); the ARPA written here has
#       that per-word value in <unk> so other readers (al_lm_load) score OOV words as IRSTLM does.
#
#   scripts/build_lm.sh --corpus-text INDEX_JSON OUT_TEXT [FORTUNE_DIR=/usr/share/games/fortunes]
#       LM text for a synthetic corpus: the training transcripts (split == "train" in INDEX_JSON),
#       then every sentence of the fortune files the corpus was drawn from, split and normalised
#       as src/synth/sentences.c and normalize.c do (any length), deduplicated, EXCLUDING every
#       text of a non-train utterance (dev, test-clean, test-other). Needs python3.
#
# Example (the default corpus):
#   scripts/build_lm.sh --corpus-text corpus/default/index.json /tmp/lm.txt
#   scripts/build_lm.sh /tmp/lm.txt corpus/default/lm-3gram.arpa 3
set -euo pipefail

die() { echo "build_lm.sh: $*" >&2; exit 1; }

corpus_text() {
    local index=$1 out=$2 fortunes=${3:-/usr/share/games/fortunes}
    [ -f "$index" ] || die "$index: no such file"
    python3 - "$index" "$out" "$fortunes" <<'PY'
import json, os, sys

index, out, fortune_dir = sys.argv[1:4]
# The fortune files of src/synth/sentences.c, in its order.
SOURCES = ["fortunes", "literature", "riddles", "computers", "cookie", "definitions", "drugs", "education",
           "ethnic", "food", "goedel", "humorists", "kids", "law", "love", "magic", "medicine", "men-women",
           "miscellaneous", "news", "paradoxum", "people", "pets", "platitudes", "politics", "pratchett",
           "science", "songs-poems", "sports", "startrek", "tao", "wisdom", "work", "zippy"]
ONES = ["ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE", "TEN", "ELEVEN", "TWELVE",
        "THIRTEEN", "FOURTEEN", "FIFTEEN", "SIXTEEN", "SEVENTEEN", "EIGHTEEN", "NINETEEN"]
TENS = ["", "", "TWENTY", "THIRTY", "FORTY", "FIFTY", "SIXTY", "SEVENTY", "EIGHTY", "NINETY"]
REJECT = set(b"@#$%/\\=<>_~|*+^`{}[]")

def alpha(c): return (65 <= c <= 90) or (97 <= c <= 122)
def digit(c): return 48 <= c <= 57

def below_1000(n, out):
    if n >= 100:
        out.append(ONES[n // 100]); out.append("HUNDRED"); n %= 100
        if not n: return
    if n >= 20:
        out.append(TENS[n // 10])
        if n % 10: out.append(ONES[n % 10])
    else:
        out.append(ONES[n])

def number(n, out):
    if n == 0: out.append("ZERO"); return
    if n >= 1000:
        below_1000(n // 1000, out); out.append("THOUSAND"); n %= 1000
        if not n: return
    below_1000(n, out)

def normalize(s):
    """al_synth_normalize: the normalised sentence, or None when synth rejects it."""
    p, words, n_s = 0, [], len(s)
    at = lambda i: s[i] if i < n_s else 0
    while p < n_s:
        c = s[p]
        if c == 0xE2 and at(p + 1) == 0x80 and at(p + 2) in (0x93, 0x94, 0x98, 0x99, 0x9C, 0x9D):
            p += 3; continue
        if c >= 0x80 or c in REJECT or (c < 0x20 and c not in (9, 10, 13)): return None
        if alpha(c) or digit(c):
            w, digits, letters, upper = [], 0, 0, 0
            while p < n_s:
                d = s[p]
                if alpha(d) or digit(d):
                    digits += digit(d); letters += alpha(d); upper += 65 <= d <= 90
                    if len(w) + 1 < 64: w.append(chr(d).upper())
                    p += 1
                elif d == 0x27 and alpha(at(p + 1)) and w and alpha(ord(w[-1])):
                    if len(w) + 1 < 64: w.append("'")
                    p += 1
                elif d == 0xE2 and at(p + 1) == 0x80 and at(p + 2) == 0x99 and alpha(at(p + 3)) and w and alpha(ord(w[-1])):
                    if len(w) + 1 < 64: w.append("'")
                    p += 3
                else:
                    break
            if len(w) + 1 >= 64 or (digits and letters): return None
            if digits:
                if len(w) > 6 or (at(p) in (0x2E, 0x2C) and digit(at(p + 1))) or (len(w) > 1 and w[0] == "0"):
                    return None
                number(int("".join(w)), words)
                continue
            if upper >= 2: return None
            words.append("".join(w))
            continue
        if c == 0x26: words.append("AND")
        p += 1
    text = " ".join(words)
    return text if words and len(text) + 2 <= 512 else None

def sentences(entry):
    start, i = 0, 0
    while True:
        end = i == len(entry)
        if end or (entry[i] in b".!?;:" and (i + 1 == len(entry) or entry[i + 1] in b" \"')")):
            yield entry[start:i]
            if end: return
            start = i + 1
        i += 1

def fortune_entries(data):
    entry = []
    for line in (l for l in data.split(b"\n") if l):  # strtok skips empty lines
        if line == b"%":
            yield b" ".join(entry); entry = []
        elif not line.lstrip(b" \t").startswith(b"--"):
            entry.append(line)
    yield b" ".join(entry)

utts = json.load(open(index))["utterances"]
held_out = {u["text"] for u in utts if u["split"] != "train"}
train = [u["text"] for u in utts if u["split"] == "train" and u["text"] not in held_out]
seen, pool, dropped = set(), [], 0
for name in SOURCES:
    path = os.path.join(fortune_dir, name)
    if not os.path.exists(path): continue
    for entry in fortune_entries(open(path, "rb").read()):
        for s in sentences(entry):
            t = normalize(s)
            if t is None or t in seen: continue
            seen.add(t)
            if t in held_out: dropped += 1
            else: pool.append(t)
missing = [t for t in held_out if t not in seen]
with open(out, "w") as f:
    for t in train + pool: f.write(t + "\n")
print(f"{out}: {len(train)} training transcripts + {len(pool)} fortune sentences "
      f"({dropped} dev/test sentences left out; {len(missing)} dev/test texts not found in the fortunes)",
      file=sys.stderr)
PY
}

if [ "${1:-}" = "--corpus-text" ]; then
    [ $# -ge 3 ] || die "usage: build_lm.sh --corpus-text INDEX_JSON OUT_TEXT [FORTUNE_DIR]"
    corpus_text "$2" "$3" "${4:-}"
    exit 0
fi

[ $# -ge 2 ] && [ $# -le 3 ] || die "usage: build_lm.sh TEXT_FILE OUT.arpa [ORDER=3] | --corpus-text INDEX_JSON OUT_TEXT"
text=$1 out=$2 order=${3:-3}
[ -s "$text" ] || die "$text: missing or empty"
[[ "$order" =~ ^[1-8]$ ]] || die "order must be 1..8 (al_lm_load reads up to 8)"
export IRSTLM=${IRSTLM:-/usr/lib/irstlm}
bin=$IRSTLM/bin
[ -x "$bin/build-lm.sh" ] && [ -x "$bin/compile-lm" ] || die "IRSTLM not found in $IRSTLM (apt-get install irstlm)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/build_lm.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$bin/add-start-end.sh" < "$text" > "$tmp/text.se"
"$bin/build-lm.sh" -i "$tmp/text.se" -o "$tmp/lm.ilm.gz" -n "$order" -k 1 -s improved-kneser-ney -t "$tmp/stat" \
    -l "$tmp/build.log" >&2 || { cat "$tmp/build.log" >&2; die "build-lm.sh failed"; }
"$bin/compile-lm" "$tmp/lm.ilm.gz" --text=yes "$tmp/lm.arpa" > "$tmp/compile.log" 2>&1 ||
    { cat "$tmp/compile.log" >&2; die "compile-lm failed"; }
# <unk>: IRSTLM's whole OOV mass -> per OOV word, log10 P - log10(dub - |V|), dub = 10^7.
awk -v OFS='\t' '
    /^ngram 1=/ || /^ngram  *1=/ { v = $0; sub(/.*= */, "", v); vocab = v + 0 }
    /^\\1-grams:/ { uni = 1 } /^\\2-grams:/ || /^\\end\\/ { uni = 0 }
    uni && $2 == "<unk>" { $1 = sprintf("%.6f", $1 - log(1e7 - vocab) / log(10)) }
    { print }' "$tmp/lm.arpa" > "$tmp/lm.fixed.arpa"
mkdir -p "$(dirname "$out")"
mv "$tmp/lm.fixed.arpa" "$out"
grep -m3 '^ngram' "$out" | tr -s ' ' | sed "s|^|$out: |" >&2
