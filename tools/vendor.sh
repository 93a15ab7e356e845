#!/usr/bin/env bash
# Front-end packages from the npm registry, at the versions tools/package-lock.json pins:
#   1. `npm ci` into tools/node_modules when the lock changed since the last install (or none was made);
#   2. the files the site or the tests load copied into static/vendor/<package>/, each package's licence beside.
# `make vendor` runs it, and so do `make run`, `make test` and `make test-all`: it takes a second once installed.
# Neither folder is committed (why: static/vendor/README.md). The checkers the tests run (Ace by DAISY,
# Lighthouse) stay in tools/node_modules; tests find them through tests/npm_tools.py.
#
# Adding a package: `cd tools && npm install --ignore-scripts -E NAME@VERSION`, then list the files to copy in
# VENDORED below.
# The "overrides" of tools/package.json pin two packages that Lighthouse's trace engine asks for as "latest":
# `npm ci` reads "latest" afresh from the registry and refuses the lock as soon as it names a newer version.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/tools"
vendor="$root/static/vendor"
stamp="$tools/node_modules/.vitrine-installed"

# What is copied: "<package> <file in the package>..."; the package's licence and notice files always go too.
VENDORED=(
    "axe-core axe.min.js"  # the browser tests run it inside each page (WCAG 2.2 AA rules)
    "openseadragon build/openseadragon/openseadragon.min.js"  # deep zoom on the item page (static/zoom.js loads it)
)

node_major="$(node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/' || true)"
if [ -z "$node_major" ] || [ "$node_major" -lt 20 ] || ! command -v npm >/dev/null; then
    echo "tools/vendor.sh: Node.js 20 or newer and npm are needed (found: ${node_major:-no node})" >&2
    exit 1
fi

# The stamp holds the checksum of what was installed, not a time: a checkout (a clone, a git worktree sharing
# node_modules) gives the files new times without changing them, and must not wipe and reinstall everything.
wanted="$(cat "$tools/package.json" "$tools/package-lock.json" | sha256sum | cut -d' ' -f1)"
if [ ! -e "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "tools/vendor.sh: installing the npm packages pinned in tools/package-lock.json"
    # No install scripts: the only one among these packages is Puppeteer's download of a browser of its own,
    # which this network refuses and the tests do not use (they run Debian's Chromium). The variable says
    # the same to a Puppeteer that would run anyway.
    (cd "$tools" && PUPPETEER_SKIP_DOWNLOAD=true npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    echo "$wanted" >"$stamp"
fi

# Made afresh each time (a second): a package or file taken off the list goes too.
find "$vendor" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
for entry in "${VENDORED[@]}"; do
    read -r package files <<<"$entry"
    source="$tools/node_modules/$package"
    target="$vendor/$package"
    version="$(node -p "require('$source/package.json').version")"
    licences="$(cd "$source" && ls -d LICEN[CS]E* COPYING* NOTICE* 2>/dev/null || true)"
    if [ -z "$licences" ]; then
        echo "tools/vendor.sh: $package ships no licence file: refusing to vendor it" >&2
        exit 1
    fi
    mkdir -p "$target"
    for file in $files $licences; do
        cp -p "$source/$file" "$target/$(basename "$file")"
    done
    echo "$package $version (npm registry), copied by tools/vendor.sh" >"$target/VERSION"
done
