#!/usr/bin/env bash
# Fetches the real MARC data used by benchmarks and the large demo: the source
# distribution of the PyPI package pymarc 5.4.0 holds BooksAll.2016.part01.utf8,
# about 250,000 Library of Congress MARC 21 records (UTF-8, public domain).
# Puts it in ./bench-data/ (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench-data
target=bench-data/BooksAll.2016.part01.utf8
if [ -s "$target" ]; then echo "$target is there"; exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download pymarc==5.4.0 --no-binary :all: --no-deps -d "$tmp" >/dev/null
tar -xzf "$tmp"/pymarc-5.4.0.tar.gz -C "$tmp" pymarc-5.4.0/BooksAll.2016.part01.utf8
mv "$tmp"/pymarc-5.4.0/BooksAll.2016.part01.utf8 "$target"
ls -l "$target"
