import Fleet
import Foundation

// Writes to a pipe whose reader went away must be errors, not a silent death by SIGPIPE.
signal(SIGPIPE, SIG_IGN)
let arguments = Array(CommandLine.arguments.dropFirst())
let work = Task { await FleetCommand.run(arguments) }
let trap = SignalTrap { work.cancel() }
let code = await work.value
withExtendedLifetime(trap) {}
exit(code)
