#!/usr/bin/env bash
# End to end: `audiolottery report` on a copy of the fixture run (a level and a branch in progress):
# tables, in-progress list, winning-ticket lines, CSV and SVG files; bad inputs fail with named files.
set -u
T="$AL_TMP"
rm -rf "$T" && mkdir -p "$T"
cp -r "$AL_TEST_DATA/report/run_a" "$T/run_a"
R="$T/run_a"
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# --help lists every option with its default.
help=$("$AL_CLI" report --help) || fail "--help exit status"
for s in --csv --svg --metric --help "RUN_DIR/report.csv" "RUN_DIR/report.svg" "(wer)"; do
    grep -qF -- "$s" <<<"$help" || fail "--help does not mention $s"
done

# Default outputs inside the run directory.
out=$("$AL_CLI" report "$R" 2>"$T/a.err") || fail "report: exit $?: $(cat "$T/a.err")"
expect=(
    "trunk: 4 points"
    "random-reinit: 2 points"
    "    0     100.0%      41.20/15.30         43.10/16.10         60.20/28.00           7     13m33s        31.2"
    "    3      51.2%      45.30/17.90         47.90/19.20                   -           6      47.5s        31.0"
    "in progress (no report.json yet): level_03/branches/random-prune, level_04"
    "test-clean: dense WER 43.10; extreme ticket level 3 (51.2% remaining) WER 43.10; best ticket level 2 (64.0%) WER 40.20"
    "test-other: dense WER 60.20; no winning ticket (lowest pruned: level 2 (64.0%) WER 60.50)"
    "dev: dense WER 41.20; extreme ticket level 2 (64.0% remaining) WER 39.00; best ticket level 2 (64.0%) WER 39.00"
    "wrote $R/report.csv"
    "wrote $R/report.svg"
)
for line in "${expect[@]}"; do
    grep -qxF -- "$line" <<<"$out" || fail "output lacks the line '$line'"
done
[ "$(wc -l <"$R/report.csv")" -eq 7 ] || fail "report.csv: $(wc -l <"$R/report.csv") lines, want 7"
head -1 "$R/report.csv" | grep -q '^series,level,remaining_percent,remaining_weights,dev_wer,dev_cer,test_clean_wer,' ||
    fail "report.csv header: $(head -1 "$R/report.csv")"
grep -qxF 'random-reinit,3,51.2,2850210,45.3,17.9,47.9,19.2,,,6,47.5,31' "$R/report.csv" || fail "report.csv: branch row"
head -c 5 "$R/report.svg" | grep -qF '<svg ' || fail "report.svg does not start with <svg"
[ "$(tail -1 "$R/report.svg")" = "</svg>" ] || fail "report.svg does not end with </svg>"
[ "$(grep -o '<polyline' "$R/report.svg" | wc -l)" -eq 2 ] || fail "report.svg: want 2 polylines"
grep -qF 'run_a: test-clean WER vs. remaining weights' "$R/report.svg" || fail "report.svg: title"
ls "$R"/*.tmp.* >/dev/null 2>&1 && fail "temporary files left in the run directory"

# Chosen paths (options after RUN_DIR) and CER.
out=$("$AL_CLI" report "$R" --metric cer --csv "$T/x.csv" --svg "$T/x.svg" 2>"$T/b.err") || fail "cer: exit $?"
grep -qxF "test-clean: dense CER 16.10; extreme ticket level 2 (64.0% remaining) CER 15.00; best ticket level 2 (64.0%) CER 15.00" \
    <<<"$out" || fail "cer: ticket line: $out"
cmp -s "$T/x.csv" "$R/report.csv" || fail "--csv: differs from the default CSV"
grep -qF 'test-clean CER (%)' "$T/x.svg" || fail "--svg/--metric cer: y axis label"

# Bad usage: exit 2.
"$AL_CLI" report >/dev/null 2>&1
[ $? -eq 2 ] || fail "no RUN_DIR: want exit 2"
"$AL_CLI" report "$R" --metric ter >/dev/null 2>"$T/m.err"
[ $? -eq 2 ] || fail "--metric ter: want exit 2"
grep -q "ter" "$T/m.err" || fail "--metric ter: message: $(cat "$T/m.err")"

# A missing run directory and a malformed report.json: exit 1, the path named, outputs untouched.
if "$AL_CLI" report "$T/missing_run" >/dev/null 2>"$T/c.err"; then fail "missing run: exit 0"; fi
grep -qF "$T/missing_run" "$T/c.err" || fail "missing run: message: $(cat "$T/c.err")"
cp "$R/report.csv" "$T/before.csv"
echo '{"kind": "trunk", "level": 2,' >"$R/level_02/report.json"
if "$AL_CLI" report "$R" >/dev/null 2>"$T/d.err"; then fail "malformed report.json: exit 0"; fi
grep -qF "$R/level_02/report.json" "$T/d.err" || fail "malformed report.json: message: $(cat "$T/d.err")"
cmp -s "$T/before.csv" "$R/report.csv" || fail "malformed report.json: report.csv changed"

# Outputs that would destroy the run or each other: exit 2, nothing written.
cp "$R/level_00/report.json" "$T/level00.json"
"$AL_CLI" report "$R" --csv "$R/level_00/report.json" >/dev/null 2>"$T/e.err"
[ $? -eq 2 ] || fail "--csv over a report.json: want exit 2"
cmp -s "$T/level00.json" "$R/level_00/report.json" || fail "--csv over a report.json: the file changed"
grep -q "would overwrite a run file" "$T/e.err" || fail "run file message: $(cat "$T/e.err")"
"$AL_CLI" report "$R" --csv "$T/same" --svg "$T/same" >/dev/null 2>"$T/f.err"
[ $? -eq 2 ] || fail "--csv = --svg: want exit 2"

# A level directory not named as the lottery names it ("level_2" beside "level_02") is not a level.
good_run="$T/run_b"
cp -r "$AL_TEST_DATA/report/run_a" "$good_run"
cp -r "$good_run/level_02" "$good_run/level_2"
out=$("$AL_CLI" report "$good_run" 2>"$T/g.err") || fail "level_2: exit $?: $(cat "$T/g.err")"
grep -q "^trunk: 4 points" <<<"$out" || fail "level_2 counted as a second level 2: $(head -3 <<<"$out")"
# Deep levels keep apart: 0.046% is not printed as 0.0%.
sed -i 's/"remaining_percent": *[0-9.]*/"remaining_percent": 0.046/' "$good_run/level_02/report.json"
out=$("$AL_CLI" report "$good_run" 2>"$T/h.err") || fail "small percent: exit $?: $(cat "$T/h.err")"
grep -Eq '^    2 +0.046%' <<<"$out" || fail "small percent: $(grep '^    2' <<<"$out")"
# A count that no int64 holds is an error naming the key, not a negative number in the CSV.
sed -i 's/"remaining_weights": *[0-9]*/"remaining_weights": 1e30/' "$good_run/level_02/report.json"
if "$AL_CLI" report "$good_run" >/dev/null 2>"$T/i.err"; then fail "remaining_weights 1e30 accepted"; fi
grep -q "'remaining_weights' 1e+30 is not a count" "$T/i.err" || fail "1e30 message: $(cat "$T/i.err")"

[ $fails -eq 0 ] && echo "all report CLI checks passed"
exit $((fails > 0))
