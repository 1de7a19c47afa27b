/// A `systemctl` stand-in for tests that run step snippets with `/bin/sh`: unit state lives in
/// files (`$FAKE/enabled/<unit>`, `$FAKE/active/<unit>`), every call is appended to
/// `$FAKE/systemctl.log`, and `--quiet`, `--now` and the exit codes of `is-enabled`/`is-active`
/// behave as systemd's do.
public enum FakeSystemctl {
    /// The script body (with its `#!/bin/sh` line).
    public static let script = #"""
        #!/bin/sh
        echo "systemctl $*" >>"$FAKE/systemctl.log"
        quiet=0; now=0; cmd=; unit=
        for a; do case "$a" in
          --quiet) quiet=1;; --now) now=1;; --no-pager|-n|5|--) ;;
          *) if [ -z "$cmd" ]; then cmd=$a; else unit=$a; fi;;
        esac; done
        say() { [ "$quiet" = 1 ] || echo "$1"; }
        mkdir -p "$FAKE/enabled" "$FAKE/active"
        case "$cmd" in
          is-enabled) if [ -e "$FAKE/enabled/$unit" ]; then say enabled; else say disabled; exit 1; fi;;
          is-active) if [ -e "$FAKE/active/$unit" ]; then say active; else say inactive; exit 3; fi;;
          enable) touch "$FAKE/enabled/$unit"; [ "$now" = 0 ] || touch "$FAKE/active/$unit";;
          disable) rm -f "$FAKE/enabled/$unit"; [ "$now" = 0 ] || rm -f "$FAKE/active/$unit";;
          start|restart) touch "$FAKE/active/$unit";;
          try-restart) ;;
          stop) rm -f "$FAKE/active/$unit";;
          status) echo "* $unit - fake status";;
          show) echo "/lib/systemd/system/$unit";;
          daemon-reload) ;;
        esac
        exit 0
        """#
}
