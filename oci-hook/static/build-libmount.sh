#!/bin/sh
# build-libmount.sh OUTDIR: Debian's libmount as a static archive, for a
# statically linked hotmem-hook (oci-hook/Makefile, STATIC=1, the default).
#
# Why: the hook runs twice per container, and a dynamically linked start
# costs more than the hook's own work (docs/benchmark.md).  Debian ships
# libyajl, libcap, libseccomp and libblkid as static archives but libmount
# only as a shared library, so we build the archive ourselves from exactly
# the source Debian built the installed libmount1 from: its source package
# (util-linux), fetched by `apt-get source` from the deb-src twins of the
# system's own apt sources, through a private source list and state
# directory (the system's apt configuration is not touched).
#
# Writes OUTDIR/libmount.a, OUTDIR/libblkid.a (the same tree's, so both
# have one configuration) and OUTDIR/version; does nothing when version
# already names the installed libmount1.
set -eu
out=$1
pkg=$(dpkg-query -W -f='${source:Package}' libmount1)
ver=$(dpkg-query -W -f='${source:Version}' libmount1)
if [ -f "$out/libmount.a" ] && [ -f "$out/libblkid.a" ] && [ "$(cat "$out/version" 2>/dev/null)" = "$pkg $ver" ]; then
	exit 0
fi
echo "build-libmount: building static libmount from Debian's $pkg $ver" >&2
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$out/work
rm -rf "$work"
mkdir -p "$work/lists/partial" "$work/cache/archives/partial"

apt-get indextargets --no-release-info --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' 'Created-By: Packages' |
	sort -u | sed 's/^/deb-src /' > "$work/sources.list"
[ -s "$work/sources.list" ] || { echo "build-libmount: no apt sources to derive deb-src from" >&2; exit 1; }
set -- -o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null \
	-o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache" -o Debug::NoLocking=1 \
	-o APT::Sandbox::User="$(id -un)" -qq
# A source index that fails to download (a third-party repository without
# sources, say) does not matter as long as Debian's has the package.
apt-get "$@" update > "$work/update.log" 2>&1 || true
if ! (cd "$work" && apt-get "$@" --download-only source "$pkg=$ver") > "$work/source.log" 2>&1; then
	cat "$work/update.log" "$work/source.log" >&2
	echo "build-libmount: cannot fetch Debian's source package $pkg $ver (or build with STATIC=0)" >&2
	exit 1
fi
# apt-get checked every file against the Sources index, which the archive's
# signed Release file vouches for; dpkg-source would check the .dsc's own
# signature again, with developer keys most machines do not have.
dpkg-source --no-check -x "$work/${pkg}_${ver#*:}.dsc" "$work/src" > "$work/dpkg-source.log" 2>&1 ||
	{ cat "$work/dpkg-source.log" >&2; exit 1; }

cd "$work/src"
# Debian's patches change configure.ac and Makefile.am only for programs and
# tests, none of which we build: keep upstream's generated files (touched so
# that make does not try to regenerate them without autotools).
find . -name '*.m4' -exec touch {} +
touch aclocal.m4
sleep 1
find . -name Makefile.in -exec touch {} +
touch configure config.h.in
# Position-independent (the hook is a static PIE) and hardened like the hook.
./configure --disable-all-programs --enable-libmount --enable-libblkid \
	--disable-shared --enable-static --disable-nls --without-python \
	--without-selinux --without-udev --without-systemd --without-econf \
	--without-cryptsetup --disable-bash-completion \
	CFLAGS="-O2 -fPIE -fstack-protector-strong -fstack-clash-protection -fcf-protection -D_FORTIFY_SOURCE=2" \
	> "$work/configure.log" 2>&1 ||
	{ tail -n 20 "$work/configure.log" >&2; exit 1; }
make -j"$(nproc)" libmount.la libblkid.la > "$work/make.log" 2>&1 ||
	{ tail -n 20 "$work/make.log" >&2; exit 1; }
cp .libs/libmount.a .libs/libblkid.a "$out/"
echo "$pkg $ver" > "$out/version"
cd /
rm -rf "$work"
