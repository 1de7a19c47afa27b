/// Finds the allowed key an unknown key was probably meant to be (`vlanID` → `vlanId`).
enum KeySuggestion {
    /// The allowed key closest to `key`: a case-insensitive match first, else the nearest by edit
    /// distance when that distance is at most 3 and smaller than the shorter key (so `id` does not
    /// suggest `ssh`). Nil when nothing is close.
    static func suggestion(for key: String, among allowed: [String]) -> String? {
        if let sameLetters = allowed.first(where: { $0.lowercased() == key.lowercased() }) { return sameLetters }
        let keyLength = key.unicodeScalars.count
        var best: (key: String, distance: Int)?
        for candidate in allowed {
            let candidateLength = candidate.unicodeScalars.count
            // The distance is at least the difference in length: skip the work when that is too far.
            guard abs(keyLength - candidateLength) <= 3 else { continue }
            let distance = levenshtein(key, candidate)
            guard distance <= 3, distance < min(keyLength, candidateLength) else { continue }
            if distance < best?.distance ?? Int.max { best = (candidate, distance) }
        }
        return best?.key
    }

    /// The message for an unknown key: a suggestion when there is one, else the allowed keys.
    static func message(forUnknown key: String, among allowed: [String], suggestion: String?) -> String {
        if ValidationContext.looksLikeAuthKey(key) {
            return "a key name looks like a Tailscale auth key (not shown);"
                + " put the key in an environment variable or a file, never in the inventory"
        }
        let shown = "`\(escaped(key))`"
        if let suggestion {
            return "unknown key \(shown); did you mean `\(suggestion)`?"
        }
        let list = allowed.map { "`\($0)`" }.joined(separator: ", ")
        return "unknown key \(shown); expected one of \(list)"
    }

    /// Edit distance between two strings, counted in Unicode scalars.
    static func levenshtein(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = Array(repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                var cost = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                if previous[j] + 1 < cost { cost = previous[j] + 1 }
                if current[j - 1] + 1 < cost { cost = current[j - 1] + 1 }
                current[j] = cost
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// The key with control characters made visible; the surrounding quotes are dropped because
    /// the message puts the key in backticks.
    private static func escaped(_ key: String) -> String {
        String(ValidationContext.shown(key).dropFirst().dropLast())
    }
}
