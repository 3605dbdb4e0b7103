#!/usr/bin/env bash
# The ctest packaging_deb: builds the .deb from a configured and built tree
# (cpack, into a temporary directory) and checks it on this host:
#   - dpkg-deb: the expected files with their modes, conffiles, Depends;
#   - policy.yml is the build's file generated from the embedded default,
#     in dry-run, and `autoheal validate` accepts it;
#   - the maintainer scripts parse (sh -n);
#   - lintian reports no error (warnings are printed);
#   - systemd-analyze verify accepts the unit;
#   - every shared library the two programs load (ldd) belongs to a package
#     named in Depends.
#
#   bash tests/packaging/deb_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$build" && cpack -G DEB -B "$tmp/cpack") >"$tmp/cpack.log" 2>&1 ||
  { cat "$tmp/cpack.log" >&2; fail "cpack"; }
debs=("$tmp"/cpack/*.deb)
deb=${debs[0]}
[ "${#debs[@]}" -eq 1 ] && [ -f "$deb" ] || fail "expected one .deb, got ${debs[*]}"
echo "built $(basename "$deb")"

# Files and modes.
dpkg-deb -c "$deb" | awk '{ print $1, $2, $6 }' >"$tmp/contents"
for want in \
  "-rwxr-xr-x root/root ./usr/bin/autoheal-webhook" \
  "-rwxr-xr-x root/root ./usr/bin/autoheal" \
  "-rw-r--r-- root/root ./etc/autoheal/policy.yml" \
  "-rw-r--r-- root/root ./etc/default/autoheal" \
  "-rw-r--r-- root/root ./lib/systemd/system/autoheal-webhook.service" \
  "-rw-r--r-- root/root ./usr/share/doc/autoheal/copyright" \
  "-rw-r--r-- root/root ./usr/share/doc/autoheal/changelog.gz" \
  "-rw-r--r-- root/root ./usr/share/doc/autoheal/README.md" \
  "-rw-r--r-- root/root ./usr/share/doc/autoheal/README.Debian" \
  "-rw-r--r-- root/root ./usr/share/doc/autoheal/docs/operations.md"; do
  grep -qxF -- "$want" "$tmp/contents" || { cat "$tmp/contents" >&2; fail "missing: $want"; }
done
# Nothing of the library install (AUTOHEAL_INSTALL): no headers, no archives.
if grep -E '\./usr/(include|lib/.*\.a$|local)' "$tmp/contents"; then
  fail "the package holds library install files"
fi

dpkg-deb -e "$deb" "$tmp/control"
diff <(sort "$tmp/control/conffiles") <(printf '%s\n' /etc/autoheal/policy.yml /etc/default/autoheal) ||
  fail "conffiles"
for s in postinst prerm postrm; do
  [ -x "$tmp/control/$s" ] || fail "$s is not executable"
  sh -n "$tmp/control/$s" || fail "$s does not parse"
done
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
case ", $depends," in *", adduser,"* | *", adduser ("*) ;; *) fail "Depends lacks adduser" ;; esac

dpkg-deb -x "$deb" "$tmp/root"
cmp "$tmp/root/etc/autoheal/policy.yml" "$build/packaging/policy.yml" ||
  fail "policy.yml is not the build's generated file"
cli="$tmp/root/usr/bin/autoheal"
"$cli" validate "$tmp/root/etc/autoheal/policy.yml" || fail "autoheal validate policy.yml"
grep -qx 'enabled: false' "$tmp/root/etc/autoheal/policy.yml" || fail "policy.yml is not dry-run"

echo "--- lintian"
lintian --fail-on error --tag-display-limit 0 "$deb" 2>&1 | grep -v 'root privileges' || true
lintian --fail-on error "$deb" >/dev/null 2>&1 || fail "lintian reports errors"

echo "--- systemd-analyze verify"
# The package is not installed here: a copy of the unit whose ExecStart=
# names the unpacked binary (the fresh-root test verifies the installed one).
sed "s|/usr/bin/autoheal-webhook|$tmp/root/usr/bin/autoheal-webhook|" \
  "$tmp/root/lib/systemd/system/autoheal-webhook.service" \
  >"$tmp/autoheal-webhook.service"
grep -q "^ExecStart=$tmp/root/usr/bin/autoheal-webhook " "$tmp/autoheal-webhook.service" ||
  fail "the unit's ExecStart= does not run /usr/bin/autoheal-webhook"
out=$(systemd-analyze verify "$tmp/autoheal-webhook.service" 2>&1) || {
  echo "$out" >&2; fail "systemd-analyze verify"; }
if echo "$out" | grep -i 'autoheal-webhook.service'; then
  fail "systemd-analyze verify complains about the unit"
fi
echo "accepted"

echo "--- libraries"
# A library may come in through another library (libffi through gnutls):
# it must belong to Depends or to what those packages depend on, as
# installed here.
closure=" "
queue=$(echo "$depends" | tr ',|' '\n\n' | awk '{ print $1 }')
while [ -n "$queue" ]; do
  next=""
  for p in $queue; do
    p=${p%%:*}
    case "$closure" in *" $p "*) continue ;; esac
    closure+="$p "
    next+=" $(dpkg-query -W -f='${Depends},${Pre-Depends}' "$p" 2>/dev/null |
              tr ',|' '\n\n' | awk 'NF { print $1 }' | tr '\n' ' ')"
  done
  queue=$next
done
for bin in autoheal autoheal-webhook; do
  ldd "$tmp/root/usr/bin/$bin" >"$tmp/ldd" || fail "ldd $bin"
  if grep 'not found' "$tmp/ldd"; then fail "$bin: a library is missing"; fi
  awk '/=> \// { print $3 }' "$tmp/ldd"
done | sort -u >"$tmp/libs"
[ -s "$tmp/libs" ] || fail "ldd found no library"
n=0
while read -r lib; do
  pkg=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null ||
        dpkg -S "/usr$lib" 2>/dev/null || true)
  pkg=${pkg%%:*}
  [ -n "$pkg" ] || fail "no package owns $lib"
  case "$closure" in
    *" $pkg "*) n=$((n + 1)) ;;
    *) fail "$lib belongs to $pkg, which Depends does not bring in" ;;
  esac
done <"$tmp/libs"
echo "$n libraries, each from a package Depends brings in"
echo "PASS"
