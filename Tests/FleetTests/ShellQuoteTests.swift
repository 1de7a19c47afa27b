import Testing
@testable import Fleet

@Suite("ShellQuote")
struct ShellQuoteTests {
    @Test("safe words pass through, everything else is single-quoted")
    func quoting() {
        #expect(ShellQuote.quote("bond0.1000") == "bond0.1000")
        #expect(ShellQuote.quote("") == "''")
        #expect(ShellQuote.quote("a b") == "'a b'")
        #expect(ShellQuote.quote("it's") == "'it'\\''s'")
        #expect(ShellQuote.quote("$(reboot)") == "'$(reboot)'")
        #expect(ShellQuote.quote("a\nb") == "'a\nb'")
    }
}
