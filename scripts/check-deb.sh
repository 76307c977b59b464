#!/usr/bin/env bash
# Checks the .deb on a clean machine: a fresh Debian 12 (bookworm) made with debootstrap,
# the package installed with apt (which pulls its dependencies), the app started as a new
# user under Xvfb until it reports its (empty) workshop list painted, and a screenshot saved
# to target/deb-check.png. Needs root. Run scripts/package.sh first.
# Usage: sudo scripts/check-deb.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
deb=$(ls target/release/bundle/deb/*.deb | head -1)
root=$(mktemp -d /tmp/workshoppilot-clean-XXXX)
chmod 755 "$root"    # mktemp makes it 0700: the chroot's / must be readable by its users
ensure_apt debootstrap
step "debootstrap bookworm into $root"
debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/dev/null
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
trap 'umount "$root/proc" 2>/dev/null || true' EXIT
cp "$deb" "$root/tmp/app.deb"
step "installing $(basename "$deb") with apt"
chroot "$root" bash -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends xvfb xauth imagemagick /tmp/app.deb >/dev/null"
step "starting the installed app as a new user under Xvfb"
cat > "$root/tmp/run-app.sh" <<'INNER'
#!/bin/bash
cd ~
(WORKSHOPPILOT_REPORT_PAINT=1 workshoppilot-desktop > /tmp/app.log 2>&1 &)
for _ in $(seq 1 60); do grep -q WORKSHOPPILOT_PAINTED /tmp/app.log && break; sleep 1; done
sleep 1
import -window root /tmp/shot.png
INNER
chmod 755 "$root/tmp/run-app.sh"
chroot "$root" useradd -m tester
chroot "$root" su tester -c 'timeout 90 xvfb-run -a -s "-screen 0 1280x800x24" /tmp/run-app.sh'
grep WORKSHOPPILOT_PAINTED "$root/tmp/app.log"
cp "$root/tmp/shot.png" target/deb-check.png
echo "The installed app started and painted its list; screenshot: target/deb-check.png"
