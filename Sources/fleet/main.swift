import Fleet
import Foundation

// Writes to a pipe whose reader went away must be errors, not a silent death by SIGPIPE.
signal(SIGPIPE, SIG_IGN)
let arguments = Array(CommandLine.arguments.dropFirst())
let work = Task { await FleetCommand.run(arguments) }
let trap = SignalTrap { work.cancel() }
let code = await work.value
withExtendedLifetime(trap) {}
// No deinit runs past exit: the control-socket directory goes explicitly.
ControlDirectory.removeAll()
// What is queued for the terminal goes out first, unless the terminal does not take it.
OutputSink.standardOutput.flush()
OutputSink.standardError.flush()
exit(code)
