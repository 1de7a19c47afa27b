import Foundation

/// sudo's ways of refusing to run without a human, turned into fix-it messages.
struct SudoProblem {
    let message: String

    init?(stderr: String) {
        if stderr.contains("a password is required") || stderr.contains("a terminal is required") {
            message = "sudo asks for a password; fleet runs `sudo -n` and cannot answer it. "
                + "Give the SSH user passwordless sudo (NOPASSWD) or connect as root"
        } else if stderr.contains("must have a tty") {
            message = "sudo requires a tty (`Defaults requiretty`); remove requiretty for the SSH user"
        } else if stderr.contains("sudo: not found") || stderr.contains("sudo: command not found") {
            message = "the SSH user is not root and sudo is not installed on the host; install sudo or connect as root"
        } else if stderr.contains("is not in the sudoers file") || stderr.contains("not allowed to execute") {
            message = "the SSH user may not use sudo: \(stderr)"
        } else {
            return nil
        }
    }
}
