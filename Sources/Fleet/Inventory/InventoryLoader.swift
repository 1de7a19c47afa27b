import Foundation

/// Reads an inventory file and validates it, collecting every problem instead of stopping at
/// the first, so one run of `fleet` shows the user everything to fix.
///
/// Loading is pure: it reads the file and nothing else. It starts no process and reads no
/// environment variable, so secrets named by the inventory (the Tailscale auth key) are looked
/// up later, by the step that needs them.
public enum InventoryLoader {
    /// The largest inventory accepted, 1 MiB: real ones are a few kilobytes, and the limit keeps
    /// a wrong path (a disk image, a log) from being read into memory.
    public static let maximumSize = 1 << 20

    /// Reads and validates; returns the inventory or every diagnostic found (errors and warnings).
    ///
    /// - Parameter path: the inventory file; also the file name shown in diagnostics.
    /// - Returns: the inventory, nil exactly when at least one diagnostic is an error, and all
    ///   diagnostics in the order found.
    public static func load(path: String) -> (inventory: Inventory?, diagnostics: [Diagnostic]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return failure(path, "cannot read the inventory: no such file")
        }
        guard !isDirectory.boolValue else {
            return failure(path, "is a directory; expected an inventory JSON file")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return failure(path, "cannot read the inventory: permission denied")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            // The size of the file actually opened (a symlink's target, not the link), checked
            // before reading so that a huge file is refused without loading it. A pipe cannot
            // seek; it is read up to the limit instead.
            if let size = try? handle.seekToEnd() {
                if size > UInt64(maximumSize) { return failure(path, tooLarge(Int64(size))) }
                try handle.seek(toOffset: 0)
            }
            // One byte past the limit tells a file that grew since the check (or a pipe) from one that fits.
            data = try handle.read(upToCount: maximumSize + 1) ?? Data()
        } catch {
            return failure(path, "cannot read the inventory: \(error.localizedDescription)")
        }
        guard data.count <= maximumSize else {
            return failure(path, "file is larger than 1 MiB; an inventory may be at most 1 MiB")
        }
        return parse(data, source: path)
    }

    /// Validates inventory JSON already in memory.
    ///
    /// - Parameters:
    ///   - data: the file's bytes (UTF-8 JSON).
    ///   - source: the file name shown in diagnostics and kept as ``Inventory/source``.
    /// - Returns: as ``load(path:)``.
    public static func parse(_ data: Data, source: String) -> (inventory: Inventory?, diagnostics: [Diagnostic]) {
        guard data.count <= maximumSize else { return failure(source, tooLarge(Int64(data.count))) }
        let bytes = [UInt8](data)
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            let (line, column) = JSONParser.lineAndColumn(of: error.offset, in: bytes)
            return failure(source, "invalid JSON at line \(line), column \(column): \(error.message)")
        }
        let context = ValidationContext(file: source)
        let inventory = InventoryValidator(context: context).validate(document)
        return (context.hasErrors ? nil : inventory, context.diagnostics)
    }

    private static func failure(_ file: String, _ message: String)
        -> (inventory: Inventory?, diagnostics: [Diagnostic])
    {
        (nil, [Diagnostic(.error, file: file, path: "", message: message)])
    }

    /// "file is 50.0 MB; …" in decimal megabytes, as `ls -lh --si` would say; in bytes when that
    /// would round to a number that looks no larger than the limit.
    private static func tooLarge(_ size: Int64) -> String {
        let tenths = (size + 50_000) / 100_000
        guard tenths >= 20 else {
            return "file is \(size) bytes; an inventory may be at most 1 MiB (\(maximumSize) bytes)"
        }
        return "file is \(tenths / 10).\(tenths % 10) MB; an inventory may be at most 1 MiB"
    }
}
