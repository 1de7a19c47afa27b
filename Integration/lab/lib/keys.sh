# shellcheck shell=bash
# The lab's signing keys (apt mirror, stand-in Tailscale repository). Sourced by ../lab.

# ensure_gpg_key NAME "USER ID": a signing key kept in $CACHE_ROOT/keys/NAME (GNUPGHOME) and its
# public keyring exported (binary, "noarmor") to $CACHE_ROOT/keys/NAME.gpg. Made once, then reused.
ensure_gpg_key() {
    local name=$1 uid=$2 home=$CACHE_ROOT/keys/$1
    if [[ ! -s $CACHE_ROOT/keys/$name.gpg ]]; then
        log "generating lab signing key '$name'"
        rm -rf "$home"
        install -d -m 0700 "$home"
        GNUPGHOME=$home gpg --batch --quiet --passphrase '' --quick-gen-key "$uid" ed25519 sign never
        GNUPGHOME=$home gpg --batch --quiet --export >"$CACHE_ROOT/keys/$name.gpg.tmp"
        mv "$CACHE_ROOT/keys/$name.gpg.tmp" "$CACHE_ROOT/keys/$name.gpg"
        gpgconf --homedir "$home" --kill all 2>/dev/null || true
    fi
}

# key_fpr NAME: fingerprint of the lab key NAME.
key_fpr() {
    gpg --batch --with-colons --show-keys "$CACHE_ROOT/keys/$1.gpg" 2>/dev/null | awk -F: '/^fpr:/ {print $10; exit}'
}

# gpg_sign NAME ARGS...: gpg with the lab key NAME's home.
gpg_sign() {
    local name=$1
    shift
    GNUPGHOME=$CACHE_ROOT/keys/$name gpg --batch --quiet --yes --pinentry-mode loopback --passphrase '' "$@"
}

# stop_gpg_agents: end the gpg-agents that signing started for the lab keys (by their homedir).
stop_gpg_agents() {
    local name
    for name in apt tailscale; do
        [[ -d $CACHE_ROOT/keys/$name ]] && gpgconf --homedir "$CACHE_ROOT/keys/$name" --kill gpg-agent 2>/dev/null
    done
    return 0
}

ensure_keys() {
    install -d -m 0755 "$CACHE_ROOT"
    install -d -m 0700 "$CACHE_ROOT/keys"
    ensure_gpg_key apt "fleet lab mirror (lab only, not Debian) <mirror@lab.test>"
    ensure_gpg_key tailscale "fleet lab stand-in Tailscale repository (not Tailscale) <tailscale@lab.test>"
}
