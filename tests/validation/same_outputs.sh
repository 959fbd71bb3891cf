#!/usr/bin/env bash
# Runs every bundled scenario with two narcodoor binaries and compares every output file
# byte for byte, but the manifest (it names the binary, the directory, the commit and the
# times). For a refactoring that must not move an output byte (issue 23's workspace):
#   tests/validation/same_outputs.sh OLD_BINARY NEW_BINARY [YOUTHS]
# Small populations (3,000 youths, 2 replicates, one thread by default) keep it to seconds;
# the golden files of tests/golden cover the full sizes of baseline and the commands.
set -u
old=$1 new=$2 youths=${3:-3000}
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for f in scenarios/*.toml; do
    n=$(basename "$f" .toml)
    for side in old new; do
        bin=${!side}
        "$bin" run "$f" --youths "$youths" --replicates 2 --threads 1 --quiet --out "$work/$side-$n" \
            >/dev/null 2>"$work/$side-$n.err"
        echo $? >"$work/$side-$n.code"
    done
    if ! cmp -s "$work/old-$n.code" "$work/new-$n.code" \
        || ! diff -r -x manifest.json "$work/old-$n" "$work/new-$n" >/dev/null; then
        echo "DIFFERENT $n"
        status=1
    else
        echo "same $n: $(find "$work/old-$n" -type f ! -name manifest.json | wc -l) files"
    fi
done
exit $status
