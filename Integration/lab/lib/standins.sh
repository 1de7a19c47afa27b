# shellcheck shell=bash
# Stand-ins for what cannot be downloaded in the lab: tailscale (.deb), flintlockd (C) and
# firecracker (shell). Built reproducibly so that their sha256 can sit in inventory/lab.json.

standins_hash() {
    # shellcheck disable=SC2046
    hash_files $(files_under "$LAB_DIR/standins") "$LAB_DIR/lib/standins.sh"
}

standins_dir() { printf '%s/standins-%s\n' "$CACHE_ROOT" "$(standins_hash)"; }

FLINTLOCKD_ASSET=flintlockd_amd64
FIRECRACKER_ASSET=firecracker-$FIRECRACKER_VERSION-x86_64.tgz
TAILSCALE_DEB=tailscale_${TAILSCALE_VERSION}_amd64.deb

# Fixed compiler flags: the binary's sha256 is stable across builds on one machine kind.
# OpenSSL 3 API only (deprecated calls do not compile); linked dynamically against libssl3
# (host: libssl-dev, see DEPS in ../lab; VM image: libssl3 via the openssl package).
FLINTLOCKD_CFLAGS=(-std=c11 -D_GNU_SOURCE -O2 -g0 -Wall -Wextra -fno-ident
    -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED)
FLINTLOCKD_LIBS=(-lssl -lcrypto)

# build_standins: build into $(standins_dir) unless cached; prints nothing on stdout.
build_standins() {
    local dir src=$LAB_DIR/standins
    dir=$(standins_dir)
    [[ -f $dir/DONE ]] && return 0
    log "stand-ins: building $dir"
    local tmp=$dir.tmp
    rm -rf "$tmp"
    install -d "$tmp/work"
    at_exit "rm -rf $(printf %q "$tmp")"

    # flintlockd: compiled from a copy at a fixed path inside the build dir.
    install -d "$tmp/work/flintlockd"
    cp "$src/flintlockd/flintlockd.c" "$tmp/work/flintlockd/flintlockd.c"
    (cd "$tmp/work/flintlockd" && gcc "${FLINTLOCKD_CFLAGS[@]}" -ffile-prefix-map="$tmp/work/flintlockd=." \
        -o flintlockd flintlockd.c -Wl,--build-id=none -s "${FLINTLOCKD_LIBS[@]}")
    install -m 0755 "$tmp/work/flintlockd/flintlockd" "$tmp/$FLINTLOCKD_ASSET"

    # firecracker release tarball, laid out like the real one.
    local rel=release-$FIRECRACKER_VERSION-x86_64
    install -d -m 0755 "$tmp/work/fc/$rel"
    install -m 0755 "$src/firecracker/firecracker" "$tmp/work/fc/$rel/firecracker-$FIRECRACKER_VERSION-x86_64"
    printf 'fleet lab stand-in: this is NOT the real Firecracker release.\n' >"$tmp/work/fc/$rel/STAND-IN.txt"
    chmod 0644 "$tmp/work/fc/$rel/STAND-IN.txt"
    tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu \
        -C "$tmp/work/fc" -cf - "$rel" | gzip -n -9 >"$tmp/$FIRECRACKER_ASSET"

    # tailscale .deb
    local deb=$tmp/work/deb
    install -d -m 0755 "$deb/DEBIAN" "$deb/usr/bin" "$deb/usr/sbin" "$deb/lib/systemd/system" "$deb/etc/default"
    install -m 0644 "$src/tailscale/debian/control" "$deb/DEBIAN/control"
    install -m 0755 "$src/tailscale/debian/postinst" "$src/tailscale/debian/prerm" "$src/tailscale/debian/postrm" "$deb/DEBIAN/"
    printf '/etc/default/tailscaled\n' >"$deb/DEBIAN/conffiles"
    chmod 0644 "$deb/DEBIAN/conffiles"
    install -m 0755 "$src/tailscale/tailscale" "$deb/usr/bin/tailscale"
    install -m 0755 "$src/tailscale/tailscaled" "$deb/usr/sbin/tailscaled"
    install -m 0644 "$src/tailscale/tailscaled.service" "$deb/lib/systemd/system/tailscaled.service"
    install -m 0644 "$src/tailscale/tailscaled.default" "$deb/etc/default/tailscaled"
    find "$deb" -exec touch -h -d @0 {} +
    SOURCE_DATE_EPOCH=0 dpkg-deb --root-owner-group -Zxz --build "$deb" "$tmp/$TAILSCALE_DEB" >/dev/null

    (cd "$tmp" && sha256sum "$FLINTLOCKD_ASSET" "$FIRECRACKER_ASSET" "$TAILSCALE_DEB" >SHA256SUMS)
    rm -rf "$tmp/work"
    touch "$tmp/DONE"
    rm -rf "$dir"
    mv "$tmp" "$dir"
    prune_cache standins
}

standin_sha() { # standin_sha flintlockd|firecracker
    local dir
    dir=$(standins_dir)
    case $1 in
    flintlockd) sha256sum <"$dir/$FLINTLOCKD_ASSET" | cut -d' ' -f1 ;;
    firecracker) sha256sum <"$dir/$FIRECRACKER_ASSET" | cut -d' ' -f1 ;;
    esac
}

inventory_sha() { # inventory_sha flintlockd|firecracker
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["flintlock"]["sha256"][sys.argv[2]])' "$INVENTORY" "$1"
}

# verify_standin_shas: the built artifacts must be the ones inventory/lab.json pins.
verify_standin_shas() {
    [[ -f $INVENTORY ]] || die "inventory $INVENTORY is missing"
    local name built pinned bad=0
    for name in flintlockd firecracker; do
        built=$(standin_sha "$name")
        pinned=$(inventory_sha "$name" 2>/dev/null || true)
        if [[ $built != "$pinned" ]]; then
            printf '\033[1;31m[lab] error:\033[0m sha256 mismatch for %s:\n    built stand-in:         %s (%s)\n    inventory/lab.json pins: %s\n' \
                "$name" "$built" "$(standins_dir)" "${pinned:-<missing>}" >&2
            bad=1
        fi
    done
    if ((bad)); then
        die "the stand-in builds differ from inventory/lab.json: update flintlock.sha256 there (see 'lab standins') if the change is intended"
    fi
    log "stand-ins: sha256 match inventory/lab.json"
}

cmd_standins() {
    need_root
    lock_cache
    build_standins
    local dir
    dir=$(standins_dir)
    log "stand-ins in $dir"
    printf 'flintlockd  %s\nfirecracker %s\n' "$(standin_sha flintlockd)" "$(standin_sha firecracker)"
}
