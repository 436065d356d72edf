#!/usr/bin/env bash
# Fetch the pinned QuickJS-ng sources (Debian qjs-src) into .cache/qjs-src/<version>/.
# Uses a private apt configuration (its own sources list, lists and archive dirs under .cache/apt),
# so the machine's apt sources are never changed. Prints the source directory on stdout.
# Offline: K230JS_QJS_DEB=/path/qjs-src_<version>_all.deb uses that file (still checksum-verified).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=/dev/null
. "$top/scripts/qjs-src.lock"
cache="$top/.cache"
dest="$cache/qjs-src/$QJS_SRC_VERSION"
if [ -f "$dest/.sha256" ] && [ "$(cat "$dest/.sha256")" = "$QJS_SRC_SHA256" ] && [ -f "$dest/quickjs.h" ]; then
  echo "$dest"; exit 0
fi
say() { echo "fetch-qjs-src: $*" >&2; }
die() { say "error: $*"; exit 1; }

deb="$cache/apt/archives/qjs-src_${QJS_SRC_VERSION}_all.deb"
mkdir -p "$cache/apt/archives/partial" "$cache/apt/lists/partial" "$cache/apt/etc/sources.list.d" "$cache/apt/etc/preferences.d"
if [ -n "${K230JS_QJS_DEB:-}" ]; then
  cp "$K230JS_QJS_DEB" "$deb"
elif [ ! -f "$deb" ] || ! echo "$QJS_SRC_SHA256  $deb" | sha256sum -c --status; then
  command -v apt-get >/dev/null || die "apt-get not found: k230js fetches QuickJS-ng from Debian's qjs-src package (hint: set K230JS_QJS_DEB to a downloaded qjs-src_${QJS_SRC_VERSION}_all.deb)"
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  [ -f "$keyring" ] || die "$keyring missing (hint: apt-get install debian-archive-keyring)"
  cat > "$cache/apt/etc/sources.list" <<SRC
deb [signed-by=$keyring] http://deb.debian.org/debian sid main
SRC
  : > "$cache/apt/status"
  cat > "$cache/apt/apt.conf" <<CONF
Dir::Etc::SourceList "$cache/apt/etc/sources.list";
Dir::Etc::SourceParts "$cache/apt/etc/sources.list.d";
Dir::Etc::Preferences "$cache/apt/etc/preferences";
Dir::Etc::PreferencesParts "$cache/apt/etc/preferences.d";
Dir::State::Lists "$cache/apt/lists";
Dir::State::status "$cache/apt/status";
Dir::Cache "$cache/apt";
Dir::Cache::Archives "$cache/apt/archives";
Acquire::Languages "none";
APT::Sandbox::User "root";
CONF
  export APT_CONFIG="$cache/apt/apt.conf"
  say "updating the private Debian sid index in .cache/apt (the machine's apt sources are not touched)"
  apt-get -q update >&2 || die "could not read Debian sid's package index (hint: check the network, or set K230JS_QJS_DEB to a downloaded qjs-src_${QJS_SRC_VERSION}_all.deb)"
  if ! apt-cache show "qjs-src=$QJS_SRC_VERSION" >/dev/null 2>&1; then
    have=$(apt-cache policy qjs-src 2>/dev/null | awk '/Candidate:/ {print $2}')
    die "qjs-src $QJS_SRC_VERSION is not in Debian sid (it offers: ${have:-none}) (hint: update scripts/qjs-src.lock with the new version and its sha256, or set K230JS_QJS_DEB)"
  fi
  say "downloading qjs-src $QJS_SRC_VERSION"
  (cd "$cache/apt/archives" && apt-get -q download "qjs-src=$QJS_SRC_VERSION" >&2) || die "download of qjs-src $QJS_SRC_VERSION failed"
fi
got=$(sha256sum "$deb" | awk '{print $1}')
[ "$got" = "$QJS_SRC_SHA256" ] || die "qjs-src .deb checksum mismatch: got $got, pinned $QJS_SRC_SHA256 (scripts/qjs-src.lock)"
tmp=$(mktemp -d "$cache/qjs-src.XXXXXX")
dpkg-deb -x "$deb" "$tmp"
rm -rf "$dest"; mkdir -p "$(dirname "$dest")"
mv "$tmp/usr/src/quickjs-ng" "$dest"; rm -rf "$tmp"
echo "$QJS_SRC_SHA256" > "$dest/.sha256"
say "QuickJS-ng $QJS_SRC_VERSION ready in ${dest#"$top"/}"
echo "$dest"
