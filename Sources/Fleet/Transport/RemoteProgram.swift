import Foundation

/// Renders a ``Batch`` into the one POSIX `sh` program that runs it on the host.
///
/// The program arrives on stdin (never in argv, so secrets inside snippets stay out of `ps`),
/// writes each snippet to a private temp dir, and runs each under coreutils `timeout`, which puts
/// the snippet in its own process group and kills the whole group at the time limit. Results
/// come back as event lines prefixed with a per-run nonce; snippet output is captured in files
/// and sent base64-encoded, so nothing a snippet prints can forge an event. The host spends as
/// few processes as it can per step (`timeout`, the snippet's `sh`, and `base64` only for output):
/// durations and time-outs are measured on fleet's side from the `start`/`end` events.
///
/// The local side keeps stdin open while the program runs. A watchdog reads it (started only once
/// the whole program has been read, or it would steal the program's tail): EOF means the
/// local `ssh` died (Ctrl-C, link loss), and the watchdog kills the running snippet's group,
/// because without a tty nothing else would stop a remote command.
///
/// In a batch that ``Batch/changesNothing``, every snippet sees `FLEET_READS`, a directory of
/// the program's own (0700, gone with it) where a check may keep what it read for the checks
/// after it: nothing in the batch changes the host, so a reading stays true for its length, and
/// a reading that costs seconds (firewalld's, a Python start-up on a slow hub) is made once. In
/// any other batch `FLEET_READS` is unset, so an apply's verify reads afresh.
///
/// A program that `keepsSession` runs in an ssh master's own session, which carries every batch
/// of a run to its host: before `done` it stops its watchdog (whose `cat` would otherwise eat the
/// next program) and removes its directory, and its last line ends without `exit`, so the
/// session's shell goes on to read the next program from stdin, or EOF and exits. A batch sent
/// as ``Batch/isLast`` is rendered without it and ends the session. A run then costs a host one
/// session whatever it does, and nothing stays behind between programs but the waiting shell.
public enum RemoteProgram {
    /// Builds the program text for `batch`, tagging events with `nonce`.
    public static func render(_ batch: Batch, nonce: String, keepsSession: Bool = false) -> String {
        let delimiter = "FLEET_\(nonce)_EOF"
        let marker = "FLEET_\(nonce)_TASK"
        var text = prologue(nonce: nonce)
        // Unset first: the shell may have run an earlier program of the session.
        text += "unset FLEET_READS\n"
        if batch.changesNothing { text += "mkdir \"$D/reads\" && FLEET_READS=$D/reads && export FLEET_READS\n" }
        // One awk splits every snippet into its file: a `cat` per snippet was a process per step.
        // A snippet that did not land whole (a full disk) must not run: an empty check exits 0.
        text += "awk -v d=\"$D\" '$1 == \"\(marker)\" && NF == 2 { if (f) close(f); f = d \"/\" $2 \".sh\"; printf \"\" > f; next } { print > f }' <<'\(delimiter)' || { fleet_emit fatal awk could not write the snippets; exit 70; }\n"
        var bytes = 0
        for (index, task) in batch.tasks.enumerated() {
            text += "\(marker) \(index)\n"
            text += task.script
            bytes += task.script.utf8.count
            if !task.script.isEmpty && !task.script.hasSuffix("\n") {
                text += "\n"
                bytes += 1
            }
        }
        text += "\(delimiter)\n"
        if !batch.tasks.isEmpty {
            text += "[ -e \"$D/\(batch.tasks.count - 1).sh\" ] && [ \"$(cat \"$D\"/*.sh | wc -c)\" -eq \(bytes) ] ||"
                + " { fleet_emit fatal the snippets were not written whole; exit 70; }\n"
        }
        // Steps create files and directories as any admin would (0644/0755); a step that writes
        // a secret sets its own umask or mode.
        text += "umask 022\n"
        text += "fleet_main() {\n"
        for (index, task) in batch.tasks.enumerated() {
            let onFailure = batch.stopOnFailure ? "return 0" : ":"
            text += "  fleet_task \(index) \(seconds(task.timeout)) || \(onFailure)\n"
        }
        text += "}\n"
        // One line, parsed whole before it runs: by then the shell has read the entire program,
        // so the watchdog started here sees nothing on stdin but the final EOF; the shell reads
        // stdin again only after fleet_yield has stopped the watchdog, for the next program.
        text += keepsSession ? "fleet_watch; fleet_main; fleet_yield\n" : "fleet_watch; fleet_main; fleet_finish; exit 0\n"
        return text
    }

    /// A fresh random nonce, or a longer one if a snippet happens to contain it.
    public static func nonce(avoiding batch: Batch) -> String {
        while true {
            var generator = SystemRandomNumberGenerator()
            let candidate = (0..<16).map { _ in String(generator.next() % 16, radix: 16) }.joined()
            if !batch.tasks.contains(where: { $0.script.contains(candidate) }) { return candidate }
        }
    }

    static func seconds(_ duration: Duration) -> String {
        let (s, atto) = duration.components
        let millis = atto / 1_000_000_000_000_000
        return millis == 0 ? "\(s)" : "\(s).\(String(format: "%03d", Int(millis)))"
    }

    private static func prologue(nonce: String) -> String {
        """
        export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
        N=\(nonce)
        fleet_emit() { printf '%s %s\\n' "$N" "$*"; }
        [ "$(id -u)" = 0 ] || { fleet_emit fatal not-root; exit 70; }
        umask 077
        D=$(mktemp -d /run/fleet.XXXXXX 2>/dev/null || mktemp -d /tmp/fleet.XXXXXX) || { fleet_emit fatal mktemp; exit 70; }
        fleet_emit hello $$
        fleet_watch() {
          exec 3<&0
          (
            cat <&3 >/dev/null &
            echo $! > "$D/cat"
            wait $!
            [ -e "$D/done" ] && exit 0
            p=$(cat "$D/current" 2>/dev/null)
            [ -n "$p" ] && kill -TERM -"$p" "$p" 2>/dev/null
            kill -TERM $$ 2>/dev/null
            sleep 2
            [ -n "$p" ] && kill -KILL -"$p" "$p" 2>/dev/null
            rm -rf "$D"
          ) >/dev/null 2>&1 &
          FLEET_WATCH=$!
        }
        fleet_task() {
          fleet_emit start "$1"
          timeout -k 5 "$2" /bin/sh "$D/$1.sh" </dev/null >"$D/$1.out" 2>"$D/$1.err" &
          echo $! > "$D/current"
          wait $!; rc=$?
          : > "$D/current"
          o=-; [ -s "$D/$1.out" ] && o=$(base64 -w0 < "$D/$1.out")
          e=-; [ -s "$D/$1.err" ] && e=$(base64 -w0 < "$D/$1.err")
          fleet_emit end "$1" "$rc" "$o" "$e"
          return "$rc"
        }
        fleet_unwatch() {
          while [ ! -s "$D/cat" ]; do sleep 0.01; done
          kill "$(cat "$D/cat")" 2>/dev/null
          wait "$FLEET_WATCH"
        }
        fleet_finish() {
          : > "$D/done"
          fleet_emit done
          fleet_unwatch
          rm -rf "$D"
        }
        fleet_yield() {
          : > "$D/done"
          fleet_unwatch
          exec 3<&-
          rm -rf "$D"
          trap - EXIT
          fleet_emit done
        }
        trap 'rm -rf "$D"' EXIT

        """
    }
}
