#!/bin/sh
# Assembles what production runs into DEST: the npm package exactly as `npm pack` makes it
# (package.json, README, bin/, console/, the compiled dist/) plus its production dependencies, with no
# sources, compiler or dev dependencies. Run it from a checkout where `npm ci` has run: the
# Docker image's build stage does (Dockerfile), and so does a systemd install
# (docs/deploy.md). The checkout itself is left as it was, node_modules included.
#
#   deploy/assemble.sh /opt/chatkeep
set -eu

if [ "$#" -ne 1 ]; then
  echo "usage: deploy/assemble.sh DEST" >&2
  exit 2
fi
dest=$1
if [ -e "$dest" ] && [ -n "$(ls -A "$dest")" ]; then
  echo "error: $dest is not empty; assemble into a new folder and swap it in" >&2
  exit 1
fi

cd "$(dirname "$0")/.."
npm run build
packed=$(mktemp -d)
trap 'rm -rf "$packed"' EXIT
# Built just above: pack would run `prepare` (the build) a second time.
tarball=$(npm pack --silent --ignore-scripts --pack-destination "$packed")
mkdir -p "$dest/node_modules"
tar -xzf "$packed/$tarball" -C "$dest" --strip-components=1
# The dependencies `npm ci` installed are copied and pruned to the production ones, so the
# native better-sqlite3 module is built once, by `npm ci`, and not again here.
cp package-lock.json "$dest/"
cp -a node_modules/. "$dest/node_modules/"
cd "$dest"
npm prune --omit=dev --no-audit --no-fund
echo "assembled chatkeep into $dest"
