import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `posix_spawn` with what fleet's children need: their own process group (so teardown can
/// signal the group), an empty signal mask and default dispositions (fleet ignores SIGPIPE and
/// runs on threads that block signals; neither may leak into ssh), the given fds as 0/1/2 and
/// every other fd closed.
enum Spawn {
    /// Starts `executable` and returns its pid.
    static func start(_ executable: String, _ arguments: [String], environment: [String: String]?,
                      stdin: Int32, stdout: Int32, stderr: Int32) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        closeOthers(&actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var flags = Int32(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        #if canImport(Darwin)
        flags |= Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
        #endif
        posix_spawnattr_setflags(&attributes, Int16(flags))
        posix_spawnattr_setpgroup(&attributes, 0)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var all = sigset_t()
        sigfillset(&all)
        sigdelset(&all, SIGKILL)
        sigdelset(&all, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &all)

        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = lock.withLock { posix_spawn(&pid, executable, &actions, &attributes, argv, envp) }
        guard result == 0 else {
            throw FleetError(.spawnFailed, "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// A pipe whose both ends are close-on-exec, so no other child inherits them.
    static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        if let pipe2 = glibcPipe2 {
            guard pipe2(&fds, O_CLOEXEC) == 0 else { throw FleetError(.spawnFailed, "pipe: \(String(cString: strerror(errno)))") }
            return (fds[0], fds[1])
        }
        // No atomic pipe2: make and mark under the lock every spawn also takes.
        try lock.withLock {
            guard systemPipe(&fds) == 0 else { throw FleetError(.spawnFailed, "pipe: \(String(cString: strerror(errno)))") }
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
        return (fds[0], fds[1])
    }

    static let lock = NSLock()

    /// Closes every fd above 2 in the child: Foundation and libdispatch open fds without
    /// close-on-exec, and a leaked pipe end would keep some other reader from ever seeing EOF.
    private static func closeOthers(_ actions: inout posix_spawn_file_actions_t) {
        if let closefrom = glibcClosefrom {
            _ = closefrom(&actions, 3)
            return
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/dev/fd")) ?? []
        for fd in open.compactMap(Int32.init) where fd > 2 {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
    }

    // glibc has both since 2.34, but the Swift Glibc module does not import GNU extensions.
    private typealias ClosefromFunction = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias Pipe2Function = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    private static let glibcClosefrom: ClosefromFunction? = symbol("posix_spawn_file_actions_addclosefrom_np")
    private static let glibcPipe2: Pipe2Function? = symbol("pipe2")

    private static func symbol<T>(_ name: String) -> T? {
        #if canImport(Glibc)
        guard let pointer = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(pointer, to: T.self)
        #else
        return nil
        #endif
    }

    private static func systemPipe(_ fds: UnsafeMutablePointer<Int32>) -> Int32 {
        #if canImport(Glibc)
        Glibc.pipe(fds)
        #else
        Darwin.pipe(fds)
        #endif
    }
}
