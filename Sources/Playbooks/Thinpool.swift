import Fleet

/// The devmapper thin pool containerd stores MicroVM volumes in: LVM thin pool
/// `flintlock/thinpool` (device-mapper name `flintlock-thinpool`) on the inventory's disk, built
/// as flintlock's `provision.sh` does (§4.2 of the setup notes).
///
/// - `thinpool-profile`: `/etc/lvm/profile/flintlock-thinpool.profile` (autoextend at 80 % by 20 %).
/// - `thinpool`: check `dmsetup ls` shows `flintlock-thinpool` and `lvs` calls it a thin pool.
///   Apply refuses a disk that is mounted, and — unless `flintlock.force` — one that carries
///   partitions, a partition table, a filesystem or any LVM signature not belonging to volume
///   group `flintlock` (`lsblk`, `blkid -p`); with `force` it wipes the signatures first. Then
///   `vgcreate flintlock` (which makes the physical volume in the same command), `lvcreate`
///   data (95 %VG) and metadata (1 %VG), `lvconvert --thinpool`, the profile and
///   `lvchange --monitor y`, each skipped when already done, so an interrupted apply resumes
///   (an empty physical volume in no volume group, left by an older version's `pvcreate`, is
///   reused without `force`). The check also wants the volume group on the configured disk.
/// - Undo removes the thin devices containerd made on the pool, the volume group and the
///   physical volume — only when volume group `flintlock` sits on exactly this disk. A volume
///   group of that name elsewhere is left alone (undo-check passes: nothing of ours is there).
enum Thinpool {
    static let profilePath = "/etc/lvm/profile/flintlock-thinpool.profile"

    static func steps(_ settings: FlintlockSettings) -> [Step] {
        let profile = "activation {\nthin_pool_autoextend_threshold=80\nthin_pool_autoextend_percent=20\n}\n"
        return [Step.file(id: "thinpool-profile", path: profilePath, content: profile, title: "LVM profile \(profilePath)"),
                pool(settings)]
    }

    static func pool(_ settings: FlintlockSettings) -> Step {
        let prelude = [Snippet.assign("disk", settings.disk), Snippet.assign("force", settings.force ? "1" : "0")]
            .joined(separator: "\n") + "\n" + #"""
            vg=flintlock
            fail() { echo "$*" >&2; exit 1; }
            pool_ok() {
              dmsetup ls 2>/dev/null | awk '{ print $1 }' | grep -qx flintlock-thinpool &&
                [ "$(lvs --noheadings -o lv_attr "$vg/thinpool" 2>/dev/null | tr -d ' ' | cut -c1)" = t ]
            }
            # 0: no VG flintlock; 1: on exactly this disk; 2: elsewhere.
            vg_place() {
              vgs "$vg" >/dev/null 2>&1 || { echo 0; return; }
              want=$(readlink -f -- "$disk")
              pvs --noheadings -o pv_name,vg_name 2>/dev/null | awk -v g="$vg" '$2 == g { print $1 }' | {
                n=0; other=0
                while read -r pv; do n=$((n + 1)); [ "$(readlink -f -- "$pv")" = "$want" ] || other=1; done
                if [ "$n" -gt 0 ] && [ "$other" = 0 ]; then echo 1; else echo 2; fi
              }
            }

            """#
        let check = prelude + #"""
            if pool_ok; then
              [ "$(vg_place)" = 1 ] && exit 0
              echo "thin pool $vg/thinpool exists, but volume group $vg is not on $disk (alone): $(pvs --noheadings -o pv_name -S vg_name="$vg" 2>/dev/null | tr -d ' ' | paste -sd ' ' -)"
              exit 1
            fi
            echo "thin pool $vg/thinpool (dm flintlock-thinpool) on $disk: missing"
            echo "--- dmsetup ls"; dmsetup ls 2>&1
            echo "--- lsblk $disk"; lsblk -o NAME,TYPE,SIZE,FSTYPE,MOUNTPOINT -- "$disk" 2>&1
            exit 1
            """#
        let apply = "set -e\n" + prelude + #"""
            [ -b "$disk" ] || fail "$disk: not a block device"
            case "$(vg_place)" in
              2) fail "volume group $vg already exists on another device ($(pvs --noheadings -o pv_name -S vg_name="$vg" 2>/dev/null | tr -d ' ')); refusing to touch it";;
              0)
                if lsblk -nro MOUNTPOINT -- "$disk" | grep -q .; then fail "$disk (or a partition of it) is mounted; refusing to touch it"; fi
                problems=
                parts=$(lsblk -nro NAME,TYPE -- "$disk" | awk '$2 == "part" { printf "%s ", $1 }')
                [ -z "$parts" ] || problems="$problems partitions: $parts;"
                pt=$(blkid -p -o value -s PTTYPE -- "$disk" 2>/dev/null || true)
                [ -z "$pt" ] || problems="$problems partition table: $pt;"
                sig=$(blkid -p -o value -s TYPE -- "$disk" 2>/dev/null || true)
                # An LVM physical volume in no volume group holds no data: what an apply that
                # stopped after pvcreate (an older fleet made the PV first) leaves. It is reused.
                if [ "$sig" = LVM2_member ] && [ -z "$parts" ] && [ -z "$pt" ] &&
                  owner=$(pvs --noheadings -o vg_name -- "$disk" 2>/dev/null) && [ -z "$(printf '%s' "$owner" | tr -d ' ')" ]; then
                  echo "$disk is an empty LVM physical volume in no volume group (an interrupted earlier run): using it"
                  sig=
                fi
                [ -z "$sig" ] || problems="$problems signature: $sig;"
                if [ -n "$problems" ]; then
                  [ "$force" = 1 ] || fail "$disk is not blank ($problems) and flintlock.force is off; refusing to wipe it"
                  echo "$disk:$problems wiping it (flintlock.force)"
                  wipefs -a -f -- "$disk"
                  blockdev --rereadpt "$disk" 2>/dev/null || true
                fi
                # vgcreate makes the physical volume itself: no window between the two to be cut in.
                vgcreate -q "$vg" "$disk"
                ;;
            esac
            if [ "$(lvs --noheadings -o lv_attr "$vg/thinpool" 2>/dev/null | tr -d ' ' | cut -c1)" != t ]; then
              lvs "$vg/thinpool" >/dev/null 2>&1 || lvcreate -q --wipesignatures y -n thinpool "$vg" -l 95%VG
              lvs "$vg/thinpoolmeta" >/dev/null 2>&1 || lvcreate -q --wipesignatures y -n thinpoolmeta "$vg" -l 1%VG
              lvconvert -q -y --zero n -c 512K --thinpool "$vg/thinpool" --poolmetadata "$vg/thinpoolmeta"
            fi
            lvchange -q --metadataprofile flintlock-thinpool "$vg/thinpool"
            lvchange -q --monitor y "$vg/thinpool"
            dmsetup ls
            """#
        let undo = "set -e\n" + prelude + #"""
            case "$(vg_place)" in
              0|2) exit 0;;
            esac
            # containerd's devmapper snapshotter names its thin devices <pool>-snap-<n>.
            for d in $(dmsetup ls 2>/dev/null | awk '$1 ~ /^flintlock-thinpool-snap-/ { print $1 }'); do
              dmsetup remove -- "$d"
            done
            lvremove -q -y "$vg"
            vgremove -q -y "$vg"
            pvremove -q -y -- "$disk"
            """#
        let undoCheck = prelude + #"""
            if [ "$(vg_place)" = 1 ]; then echo "volume group $vg on $disk: still there"; exit 1; fi
            exit 0
            """#
        return Step(id: StepID.thinpool, title: "thin pool flintlock-thinpool on \(settings.disk)", check: check,
                    apply: apply, undo: undo, undoCheck: undoCheck, timeout: .seconds(300))
    }
}
