#!/bin/bash
# mmdebstrap customize hook for the lab image: customize.sh ROOTFS APT_KEYRING
set -euo pipefail
root=$1
keyring=$2
here=$(cd "$(dirname "$0")" && pwd)

# File by file with explicit owner and mode: the checkout's modes depend on the umask of whoever
# cloned it, and must not leak into the image (cp -a would also re-mode /etc itself).
ov=$here/overlay
install -o 0 -g 0 -m 0644 "$ov/etc/systemd/system/fleet-lab-boot.service" "$root/etc/systemd/system/"
install -o 0 -g 0 -m 0755 "$ov/usr/local/sbin/fleet-lab-boot" "$root/usr/local/sbin/"
install -o 0 -g 0 -m 0644 "$ov/etc/ssh/sshd_config.d/fleet-lab.conf" "$root/etc/ssh/sshd_config.d/"
install -o 0 -g 0 -m 0440 "$ov/etc/sudoers.d/fleet" "$root/etc/sudoers.d/"

# apt: only the lab mirror, signed by the lab key.
install -m 0644 "$keyring" "$root/usr/share/keyrings/fleet-lab-archive-keyring.gpg"
rm -f "$root/etc/apt/sources.list" "$root/etc/apt/sources.list.d/"*
printf 'deb [signed-by=/usr/share/keyrings/fleet-lab-archive-keyring.gpg] http://203.0.113.1/debian bookworm main\n' \
    >"$root/etc/apt/sources.list.d/fleet-lab.list"
chmod 0644 "$root/etc/apt/sources.list.d/fleet-lab.list"
rm -rf "$root/var/lib/apt/lists/"*
install -d -m 0755 "$root/var/lib/apt/lists/partial"

# users: root and fleet log in by key only (no usable password); fleet has passwordless sudo.
chroot "$root" useradd --create-home --shell /bin/bash fleet
chroot "$root" usermod -p '*' root
chroot "$root" usermod -p '*' fleet

# The lab boots the kernel and initrd from the image cache (qemu -kernel/-initrd), never the
# guest's /boot: skip rebuilding the initramfs when packages (lvm2, ...) trigger it. Under
# software emulation that rebuild takes minutes.
sed -i 's/^update_initramfs=.*/update_initramfs=no/' "$root/etc/initramfs-tools/update-initramfs.conf"
grep -qx 'update_initramfs=no' "$root/etc/initramfs-tools/update-initramfs.conf"

# A small initrd with just what mounts /dev/vda (virtio, ext4) instead of MODULES=most: it is
# unpacked at every boot, and under software emulation a 36 MB initrd costs seconds.
kver=$(find "$root/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
sed -i 's/^MODULES=.*/MODULES=list/' "$root/etc/initramfs-tools/initramfs.conf"
printf '%s\n' virtio_pci virtio_blk ext4 >>"$root/etc/initramfs-tools/modules"
chroot "$root" mkinitramfs -o "/boot/initrd.img-$kver" "$kver"
contents=$(chroot "$root" lsinitramfs "/boot/initrd.img-$kver")
for m in virtio_blk.ko virtio_pci.ko ext4.ko; do
    grep -q "/$m" <<<"$contents" || {
        echo "customize: $m missing from the initrd" >&2
        exit 1
    }
done

# services
chroot "$root" systemctl enable fleet-lab-boot.service
# The lab runs playbooks that use apt: no background apt runs holding the dpkg lock.
chroot "$root" systemctl mask apt-daily.timer apt-daily-upgrade.timer
# e2scrub_reap only matters with LVM snapshots of ext4; it costs ~20 s of CPU at every boot under TCG.
chroot "$root" systemctl mask e2scrub_reap.service
rm -f "$root"/etc/ssh/ssh_host_*

# identity and names; per-VM values come from the kernel command line at boot.
printf 'fleetlab\n' >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
rm -f "$root/etc/resolv.conf"
printf 'nameserver 203.0.113.53\n' >"$root/etc/resolv.conf"
printf '/dev/vda / ext4 defaults,errors=remount-ro 0 1\n' >"$root/etc/fstab"
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
