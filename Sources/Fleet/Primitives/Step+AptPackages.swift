extension Step {
    /// Debian packages installed.
    ///
    /// - Check: `dpkg-query -W -f='${Status}'` reports `… ok installed` for every package;
    ///   the evidence lists each one that is not, with its status. No network access, so a
    ///   re-run stays fast.
    /// - Apply: `apt-get install -y --no-install-recommends` with `DEBIAN_FRONTEND=noninteractive`,
    ///   keeping existing configuration files on conffile questions, never removing a package to
    ///   resolve a conflict (`--no-remove`: it fails instead), and waiting at most 120 s
    ///   for the dpkg lock (`-o DPkg::Lock::Timeout=120`) instead of failing at once or forever;
    ///   when it gives up, the evidence names the holder (pid, running time, command line).
    ///   `apt-get update` runs first only when no package list is younger than an hour, and once
    ///   more when the install fails for a stale or missing list (no candidate, 404).
    /// - Recovery: a package transaction that was cut short (`dpkg --audit` not empty) is drift,
    ///   and the apply first finishes it (`dpkg --configure -a`, then `apt-get -f install`), so
    ///   running `up` again repairs what an interrupted run left.
    /// - No undo: packages stay installed after teardown, by design (other software may have
    ///   come to depend on them, and removal would not restore their earlier configuration).
    ///   The packages fleet installed are recorded on the host (``HostState``, `installed/`), and
    ///   the records stay as the packages do: ``systemdUnit(_:enabled:active:notifiedBy:id:title:)``
    ///   reads them to tell a service fleet brought from one that was there before.
    public static func aptPackages(id: String, packages: [String], title: String? = nil) -> Step {
        aptPackages(id: id, packages: packages, title: title, listsDirectory: "/var/lib/apt/lists")
    }

    /// `dpkg_locked`: whether a process holds dpkg's frontend lock now (a package transaction
    /// under way), from /proc/locks, so nothing is "recovered" under a dpkg that is still working.
    static let dpkgLocked = #"""
        dpkg_locked() {
          i=$(stat -c %i /var/lib/dpkg/lock-frontend 2>/dev/null) || return 1
          awk -v i="$i" '{ n = split($6, a, ":"); if (n == 3 && a[3] == i) found = 1 } END { exit !found }' /proc/locks 2>/dev/null
        }
        """#

    /// The same step reading list ages from another directory, for tests.
    static func aptPackages(id: String, packages: [String], title: String? = nil, listsDirectory: String) -> Step {
        let names = ShellQuote.join(packages)
        let check = "rc=0\nfor pkg in \(names); do\n" + #"""
              s=$(dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | head -n 1) || s=
              # "hold ok installed" is installed too: a held package is still there.
              case "$s" in *' ok installed') continue;; esac
              echo "package $pkg: ${s:-not installed}"
              rc=1
            done
            # A package transaction cut short (Ctrl-C, a lost link, a power cut) leaves packages
            # unpacked or half-configured, and every later apt-get refuses to run until it is done.
            # One that is still running (it holds dpkg's lock) is not cut short.
            \#(dpkgLocked)
            audit=$(dpkg --audit 2>/dev/null) || audit=
            if [ -n "$audit" ] && ! dpkg_locked; then
              echo "dpkg was interrupted and has unfinished work (dpkg --audit):"
              printf '%s\n' "$audit" | head -n 12
              rc=1
            fi
            exit "$rc"
            """#
        let apply = "set -e\nset -- \(names)\n" + Snippet.assign("lists", listsDirectory) + "\n"
            + HostState.assign("mine", "installed") + "\n" + #"""
            export DEBIAN_FRONTEND=noninteractive
            # Remember which packages fleet installs: a service of one of them that runs is
            # fleet's doing, and teardown stops it; one that ran before fleet came is left running.
            for pkg; do
              case "$(dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | head -n 1)" in
                *' ok installed') ;;
                *) mkdir -p -- "$mine"; : >"$mine/$pkg";;
              esac
            done
            apt_get() {
              apt-get -q -y -o DPkg::Lock::Timeout=120 \
                -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"
            }
            # Finish what an interrupted run left (what apt-get asks for by hand: "dpkg was
            # interrupted, you must manually run 'dpkg --configure -a'"), then mend dependencies.
            \#(dpkgLocked)
            if [ -n "$(dpkg --audit 2>/dev/null)" ] && ! dpkg_locked; then
              echo "fleet: dpkg was interrupted earlier; finishing it: dpkg --configure -a, apt-get -f install"
              dpkg --force-confdef --force-confold --configure -a
              # A package cut short while it was being unpacked is half-installed ("reinstreq"):
              # neither of the others touches it, and a plain `apt-get install` takes the version
              # dpkg recorded for installed, so only a reinstall mends it (seen on the lab after
              # a SIGKILL mid-unpack of containerd).
              broken=$(dpkg-query -W -f='${binary:Package} ${Status}\n' 2>/dev/null |
                awk '$3 == "reinstreq" || $4 == "half-installed" { print $1 }' | tr '\n' ' ')
              if [ -n "$broken" ]; then
                echo "fleet: reinstalling what was cut short while unpacking: $broken"
                # Unquoted on purpose: package names, one word each.
                apt_get install --reinstall --no-install-recommends --no-remove $broken
              fi
              apt_get -f install --no-remove
            fi
            fresh=$(find "$lists" -maxdepth 1 -type f -name '*_Packages*' -mmin -60 2>/dev/null | head -n 1)
            if [ -z "$fresh" ]; then apt_get update; fi
            log=$(mktemp)
            trap 'rm -f -- "$log"' EXIT
            # apt prints a "Waiting for cache lock" line every few seconds while it waits: one
            # summary line instead, so the evidence ends with the error that matters.
            show() {
              w=$(grep -c '^Waiting for cache lock' "$log" || true)
              grep -v '^Waiting for cache lock' "$log" || true
              [ "$w" -eq 0 ] || echo "fleet: apt waited for the dpkg lock ($w progress lines left out)"
            }
            trap 'exit 130' INT TERM HUP
            if apt_get install --no-install-recommends --no-remove "$@" >"$log" 2>&1; then
              show
              exit 0
            fi
            show
            if grep -Eq 'Unable to locate package|has no installation candidate|404 +Not Found|Failed to fetch' "$log"; then
              echo "fleet: package lists look stale; running apt-get update and trying again"
              apt_get update
              apt_get install --no-install-recommends --no-remove "$@"
            else
              holder=$(sed -n 's/.*Could not get lock .*held by process \([0-9][0-9]*\).*/\1/p' "$log" | head -n 1)
              if [ -n "$holder" ]; then
                echo "fleet: gave up after waiting 120 s for the dpkg lock; lock holder: $(ps -o pid=,etime=,args= -p "$holder" 2>/dev/null | awk '{ $1 = $1; print }' | grep . || echo "process $holder (already gone)")"
              fi
              exit 1
            fi
            """#
        return Step(id: id, title: title ?? "packages \(packages.joined(separator: " "))", check: check,
                    apply: apply, timeout: .seconds(900))
    }
}
