# shellcheck shell=bash
# The lab's package mirror, the stand-in Tailscale apt repository and the release-artifact tree.
# Served at http://203.0.113.1/{debian,tailscale/stable/debian,artifacts} by server/labhttp.py.

# shellcheck source=lib/standins.sh
source "$LAB_DIR/lib/standins.sh"

mirror_hash() {
    {
        # shellcheck disable=SC2046
        hash_files $(files_under "$LAB_DIR/mirror") "$LAB_DIR/lib/mirror.sh"
        image_hash
        standins_hash
        key_fpr apt
        key_fpr tailscale
    } | sha256sum | cut -c1-16
}

mirror_dir() { printf '%s/mirror-%s\n' "$CACHE_ROOT" "$(mirror_hash)"; }

# _apt_env DIR STATUS: an apt configuration in DIR that ignores the host's apt setup, resolves
# against the dpkg status file STATUS (the image's) and Debian's mirror. Prints the config path.
_apt_env() {
    local d=$1 status=$2
    install -d "$d/etc/apt.conf.d" "$d/etc/preferences.d" "$d/etc/sources.list.d" "$d/etc/trusted.gpg.d" \
        "$d/state/lists/partial" "$d/cache/archives/partial" "$d/log"
    cp "$status" "$d/status"
    cat >"$d/etc/sources.list" <<EOF
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $DEBIAN_MIRROR ${SUITE:?} main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $DEBIAN_MIRROR $SUITE-updates main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $DEBIAN_SECURITY $SUITE-security main
EOF
    cat >"$d/apt.conf" <<EOF
Dir "/";
Dir::Etc "$d/etc";
Dir::Etc::main "/dev/null";
Dir::Etc::parts "$d/etc/apt.conf.d";
Dir::Etc::sourcelist "$d/etc/sources.list";
Dir::Etc::sourceparts "$d/etc/sources.list.d";
Dir::Etc::preferences "$d/etc/preferences";
Dir::Etc::preferencesparts "$d/etc/preferences.d";
Dir::Etc::trusted "$d/etc/trusted.gpg";
Dir::Etc::trustedparts "$d/etc/trusted.gpg.d";
Dir::State "$d/state";
Dir::State::status "$d/status";
Dir::Cache "$d/cache";
Dir::Log "$d/log";
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
Debug::NoLocking "true";
Acquire::Retries "3";
Acquire::Languages "none";
APT::Get::Assume-Yes "true";
EOF
    printf '%s\n' "$d/apt.conf"
}

# _repo_index REPO_DIR SUITE GPG_KEY_NAME ORIGIN LABEL: Packages, Release, InRelease, Release.gpg
# for a flat "SUITE main amd64" repository whose .debs are under REPO_DIR/pool.
_repo_index() {
    local repo=$1 suite=$2 key=$3 origin=$4 label=$5
    local bin=dists/$suite/main/binary-amd64
    install -d "$repo/$bin"
    (
        cd "$repo" || exit 1
        apt-ftparchive packages pool >"$bin/Packages" 2>/dev/null
        gzip -n -9 -k -f "$bin/Packages"
        apt-ftparchive \
            -o "APT::FTPArchive::Release::Origin=$origin" \
            -o "APT::FTPArchive::Release::Label=$label" \
            -o "APT::FTPArchive::Release::Suite=$suite" \
            -o "APT::FTPArchive::Release::Codename=$suite" \
            -o "APT::FTPArchive::Release::Components=main" \
            -o "APT::FTPArchive::Release::Architectures=amd64" \
            release "dists/$suite" >"dists/$suite/Release.tmp"
        mv "dists/$suite/Release.tmp" "dists/$suite/Release"
        gpg_sign "$key" --clearsign -o "dists/$suite/InRelease" "dists/$suite/Release"
        gpg_sign "$key" --armor --detach-sign -o "dists/$suite/Release.gpg" "dists/$suite/Release"
    )
}

cmd_mirror() {
    need_root
    lock_cache
    ensure_keys
    cmd_image
    build_standins
    local dir
    dir=$(mirror_dir)
    if [[ -f $dir/DONE ]]; then
        log "mirror: cached at $dir"
        return 0
    fi
    log "mirror: building $dir"
    phase_start mirror-build
    local tmp=$dir.tmp img www
    img=$(image_dir)
    rm -rf "$tmp"
    install -d "$tmp"
    at_exit "rm -rf $(printf %q "$tmp")"
    at_exit stop_gpg_agents
    www=$tmp/www

    # 1. Debian packages: the closure of mirror/packages.txt relative to the image, each package on
    #    its own (as a playbook installs them one by one), with and without recommends, plus the
    #    named packages themselves even where the image already has them.
    local conf pool=$www/debian/pool/main
    install -d "$pool"
    conf=$(_apt_env "$tmp/apt" "$img/dpkg-status")
    APT_CONFIG=$conf apt-get -qq update >"$tmp/apt-update.log" 2>&1 ||
        {
            cat "$tmp/apt-update.log" >&2
            die "apt-get update against $DEBIAN_MIRROR failed"
        }
    local p pkgs=()
    mapfile -t pkgs < <(grep -v -e '^#' -e '^[[:space:]]*$' "$LAB_DIR/mirror/packages.txt")
    for p in "${pkgs[@]}"; do
        for rec in true false; do
            APT_CONFIG=$conf apt-get -qq install --download-only -o APT::Install-Recommends=$rec \
                -o Dir::Cache::archives="$tmp/apt/cache/archives" "$p" >>"$tmp/apt-download.log" 2>&1 ||
                {
                    tail -n 20 "$tmp/apt-download.log" >&2
                    die "could not resolve/download $p"
                }
        done
    done
    (cd "$tmp/apt/cache/archives" && APT_CONFIG=$conf apt-get -qq download "${pkgs[@]}" >>"$tmp/apt-download.log" 2>&1)
    mv "$tmp/apt/cache/archives/"*.deb "$pool/"
    _repo_index "$www/debian" "$SUITE" apt "fleet-lab" "fleet lab mirror (subset of Debian $SUITE)"
    install -m 0644 "$CACHE_ROOT/keys/apt.gpg" "$www/debian/fleet-lab-archive-keyring.gpg"

    # 2. The stand-in Tailscale repository, laid out like pkgs.tailscale.com/stable/debian.
    local sdir ts=$www/tailscale/stable/debian
    sdir=$(standins_dir)
    install -d "$ts/pool"
    cp "$sdir/$TAILSCALE_DEB" "$ts/pool/"
    _repo_index "$ts" "$SUITE" tailscale "Tailscale (fleet lab stand-in)" "Tailscale (fleet lab stand-in)"
    install -m 0644 "$CACHE_ROOT/keys/tailscale.gpg" "$ts/$SUITE.noarmor.gpg"
    printf '# Tailscale packages for debian %s (fleet lab stand-in)\ndeb [signed-by=/usr/share/keyrings/tailscale-archive-keyring.gpg] http://203.0.113.1/tailscale/stable/debian %s main\n' \
        "$SUITE" "$SUITE" >"$ts/$SUITE.tailscale-keyring.list"

    # 3. Release artifacts, at the paths GitHub uses under .../releases/download/TAG/.
    local fc=$www/artifacts/firecracker-microvm/firecracker/releases/download/$FIRECRACKER_VERSION
    local fl=$www/artifacts/liquidmetal-dev/flintlock/releases/download/$FLINTLOCK_VERSION
    install -d "$fc" "$fl"
    cp "$sdir/$FIRECRACKER_ASSET" "$fc/"
    cp "$sdir/$FLINTLOCKD_ASSET" "$fl/"
    (cd "$fc" && sha256sum "$FIRECRACKER_ASSET" | tee "$FIRECRACKER_ASSET.sha256" >"$FIRECRACKER_ASSET.sha256.txt")
    (cd "$fl" && sha256sum "$FLINTLOCKD_ASSET" >"$FLINTLOCKD_ASSET.sha256")
    (cd "$www/artifacts" && find . -type f ! -name '*.sha256*' | LC_ALL=C sort | sed 's|^\./||' |
        xargs sha256sum >"$tmp/SHA256SUMS") && mv "$tmp/SHA256SUMS" "$www/artifacts/SHA256SUMS"

    find "$www" -type d -exec chmod 0755 {} + && find "$www" -type f -exec chmod 0644 {} +
    ls "$pool" >"$tmp/debian-packages.list"
    rm -rf "$tmp/apt"
    touch "$tmp/DONE"
    rm -rf "$dir"
    mv "$tmp" "$dir"
    phase_end mirror-build
    prune_cache mirror
    log "mirror: done: $(wc -l <"$dir/debian-packages.list") .debs, $(du -sh "$dir" | cut -f1)"
}
