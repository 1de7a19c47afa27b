# shellcheck shell=bash
# The base VM image. Sourced by ../lab after common.sh and keys.sh. Editing this file changes
# the image hash (a rebuild); keep helpers that are not part of the recipe elsewhere.

image_hash() {
    ensure_keys
    {
        # shellcheck disable=SC2046
        hash_files $(files_under "$LAB_DIR/image") "$LAB_DIR/lib/image.sh"
        printf 'suite=%s mirror=%s security=%s\n' "$SUITE" "$DEBIAN_MIRROR" "$DEBIAN_SECURITY"
        key_fpr apt
    } | sha256sum | cut -c1-16
}

image_dir() { printf '%s/image-%s\n' "$CACHE_ROOT" "$(image_hash)"; }

# cmd_image: build the base image unless the cache has it. Outputs in $(image_dir):
#   vmlinuz, initrd.img, rootfs.img (raw ext4, sparse), dpkg-status, packages.list, build.log
cmd_image() {
    need_root
    lock_cache
    local dir
    dir=$(image_dir)
    if [[ -f $dir/DONE ]]; then
        log "image: cached at $dir"
        return 0
    fi
    command -v mmdebstrap >/dev/null || die "mmdebstrap is missing: run '$0 deps' first"
    log "image: building $dir (mmdebstrap, a few minutes)"
    phase_start image-build
    local tmp=$dir.tmp
    rm -rf "$tmp"
    install -d "$tmp"
    at_exit "rm -rf $(printf %q "$tmp")"
    local pkgs
    pkgs=$(grep -v '^#' "$LAB_DIR/image/packages.txt" | xargs | tr ' ' ',')
    local hook
    hook="$(printf '%q' "$LAB_DIR/image/customize.sh") \"\$1\" $(printf '%q' "$CACHE_ROOT/keys/apt.gpg")"
    if ! mmdebstrap --variant=minbase --mode=root --format=directory \
        --include="$pkgs" \
        --aptopt='Acquire::Retries "3"' \
        --dpkgopt='path-exclude=/usr/share/man/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' \
        --dpkgopt='path-include=/usr/share/locale/locale.alias' \
        --dpkgopt='path-exclude=/usr/share/doc/*' \
        --dpkgopt='path-include=/usr/share/doc/*/copyright' \
        --customize-hook="$hook" \
        "$SUITE" "$tmp/rootfs" \
        "deb $DEBIAN_MIRROR $SUITE main" \
        "deb $DEBIAN_MIRROR $SUITE-updates main" \
        "deb $DEBIAN_SECURITY $SUITE-security main" >"$tmp/build.log" 2>&1; then
        tail -n 30 "$tmp/build.log" >&2
        die "mmdebstrap failed (log above)"
    fi
    local kernel initrd
    kernel=$(find "$tmp/rootfs/boot" -maxdepth 1 -name 'vmlinuz-*' | sort | tail -n 1)
    initrd=$(find "$tmp/rootfs/boot" -maxdepth 1 -name 'initrd.img-*' | sort | tail -n 1)
    [[ -n $kernel && -n $initrd ]] || die "no kernel/initrd in the image's /boot"
    local kver=${kernel##*/vmlinuz-}
    for m in 8021q bonding; do
        find "$tmp/rootfs/lib/modules/$kver" -name "$m.ko*" | grep -q . || die "kernel module $m missing in the image"
    done
    cp "$kernel" "$tmp/vmlinuz"
    cp "$initrd" "$tmp/initrd.img"
    cp "$tmp/rootfs/var/lib/dpkg/status" "$tmp/dpkg-status"
    # shellcheck disable=SC2016 # a dpkg-query format, not shell
    chroot "$tmp/rootfs" dpkg-query -W -f '${Package} ${Version}\n' >"$tmp/packages.list"
    printf '%s\n' "$kver" >"$tmp/kernel-version"
    # A raw ext4 image made from the directory, without loop mounts. 4 GiB, sparse.
    mkfs.ext4 -q -F -L fleetlab-root -d "$tmp/rootfs" "$tmp/rootfs.img" 4G
    rm -rf "$tmp/rootfs"
    touch "$tmp/DONE"
    rm -rf "$dir"
    mv "$tmp" "$dir"
    phase_end image-build
    prune_cache image
    log "image: done ($(du -sh --apparent-size "$dir/rootfs.img" | cut -f1) apparent, $(du -sh "$dir" | cut -f1) on disk)"
}
