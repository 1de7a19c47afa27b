import Foundation

/// Notifications that survive the run that made them.
///
/// A step notified by another (a service restarted because its config changed) only learns of
/// the change in the run that made it. When that run ends before the notified step runs (Ctrl-C,
/// a lost link, a later failure, `--skip`), the next run would find the config in place and never
/// restart the service: it would keep running the old one. So a notifying step's apply, once it
/// succeeded, leaves a marker on the host for each step it notifies (`/run/fleet/pending/<id>`),
/// the notified step's check fails while its marker is there (drift, with the reason), and its
/// apply removes the marker once it succeeded. The markers live under `/run` because a reboot
/// restarts every service and so settles them.
public enum PendingNotification {
    /// Where the markers live on the host.
    public static let directory = "/run/fleet/pending"

    /// `steps` with the markers wired in: set by notifiers, checked and cleared by notified steps.
    /// `directory` is for tests.
    public static func wire(_ steps: [Step], directory: String = directory) -> [Step] {
        let ids = Set(steps.map(\.id))
        var notifiers: [String: [String]] = [:]
        for step in steps {
            for notifier in step.notifiedBy where ids.contains(notifier) { notifiers[notifier, default: []].append(step.id) }
        }
        return steps.map { original in
            var step = original
            if let notified = notifiers[step.id] {
                let marks = notified.map { ShellQuote.quote("\(directory)/\($0)") }.joined(separator: " ")
                step.apply = Snippet.sequence([step.apply, "mkdir -p -- \(ShellQuote.quote(directory)) && touch -- \(marks)"])
            }
            let sources = step.notifiedBy.filter(ids.contains)
            if !sources.isEmpty {
                let marker = ShellQuote.quote("\(directory)/\(step.id)")
                let pending = """
                    if [ -e \(marker) ]; then
                      echo \(ShellQuote.quote("a change an earlier run made (\(sources.joined(separator: ", "))) still waits for this step: it runs again"))
                      exit 1
                    fi
                    """
                let parent = (directory as NSString).deletingLastPathComponent
                let clear = "rm -f -- \(marker)\nrmdir -- \(ShellQuote.quote(directory)) \(ShellQuote.quote(parent)) 2>/dev/null || true"
                step.check = Snippet.allOf([pending, step.check])
                step.apply = Snippet.sequence([step.apply, clear])
                if let undo = step.undo { step.undo = Snippet.sequence([undo, clear]) }
            }
            return step
        }
    }
}
